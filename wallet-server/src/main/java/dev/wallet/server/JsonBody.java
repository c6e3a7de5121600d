package dev.wallet.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.wallet.api.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request body read strictly: one JSON object (no trailing tokens, no duplicate keys), whose
 * members are exactly the expected names, each a JSON string. Jackson does the parsing; this class
 * only decides what is acceptable, and says which field is not, as an {@link InvalidInputException}
 * naming it ({@code body} when the body as a whole is malformed).
 */
final class JsonBody {

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonBody() {
    }

    /**
     * The string members of a JSON value that is an object holding exactly {@code fields}.
     *
     * @throws InvalidInputException naming {@code body}, an unexpected member, or a missing or non-string field
     */
    static Map<String, String> strings(JsonNode root, List<String> fields) {
        return strings(root, fields, List.of());
    }

    /** As {@link #strings(JsonNode, List)}, with members that may be left out (absent from the map then). */
    static Map<String, String> strings(JsonNode root, List<String> fields, List<String> optional) {
        if (!root.isObject()) {
            throw new InvalidInputException("body", root.getNodeType().name().toLowerCase(java.util.Locale.ROOT),
                    "must be a JSON object");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!fields.contains(name) && !optional.contains(name)) {
                throw new InvalidInputException(name, root.get(name).toString(),
                        "is not a field of this request; expected exactly " + fields
                        + (optional.isEmpty() ? "" : " and optionally " + optional));
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String field : fields) {
            JsonNode value = root.get(field);
            if (value == null) {
                throw new InvalidInputException(field, null, "is required");
            }
            if (!value.isTextual()) {
                throw new InvalidInputException(field, value.toString(), "must be a JSON string");
            }
            values.put(field, value.textValue());
        }
        for (String field : optional) {
            JsonNode value = root.get(field);
            if (value == null) {
                continue;
            }
            if (!value.isTextual()) {
                throw new InvalidInputException(field, value.toString(), "must be a JSON string");
            }
            values.put(field, value.textValue());
        }
        return values;
    }

    /** The one JSON value of a body: strict UTF-8, no byte order mark, nothing after it. */
    static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw new InvalidInputException("body", "", "is empty; expected a JSON object");
        }
        String text;
        try {
            // Strict UTF-8 first: Jackson would guess UTF-16/32 and accept overlong forms.
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException("body", excerpt(body), "is not valid UTF-8");
        }
        if (text.startsWith("\uFEFF")) {
            throw new InvalidInputException("body", excerpt(body), "starts with a byte order mark");
        }
        try {
            JsonNode root = MAPPER.readTree(text);
            if (root == null || root.isMissingNode()) {
                throw new InvalidInputException("body", "", "holds no JSON value");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("body", excerpt(body), "is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr()));
        }
    }

    private static String excerpt(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, 64), StandardCharsets.UTF_8);
        return body.length > 64 ? text + "..." : text;
    }
}
