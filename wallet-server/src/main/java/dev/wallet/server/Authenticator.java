package dev.wallet.server;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns an {@code Authorization: Bearer …} header into a {@link Principal}: a static API key
 * (looked up by its SHA-256 hash; the file never holds a key itself) or a signed JWT verified
 * against a JWKS file with Nimbus JOSE + JWT (algorithms pinned to RS256 and ES256, {@code alg:
 * none} refused, {@code iss} and {@code aud} required to match, {@code exp} required, {@code nbf}
 * honoured, clock skew bounded). Immutable and thread-safe.
 */
public final class Authenticator {

    /** The clock skew tolerated on {@code exp} and {@code nbf}. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    private final Map<String, Principal> keysByHash;
    private final DefaultJWTProcessor<SecurityContext> jwts;

    private Authenticator(Map<String, Principal> keysByHash, DefaultJWTProcessor<SecurityContext> jwts) {
        this.keysByHash = Map.copyOf(keysByHash);
        this.jwts = jwts;
    }

    /** Credentials: API keys, JWTs, or both. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of an authenticator. */
    public static final class Builder {
        private final Map<String, Principal> keys = new HashMap<>();
        private DefaultJWTProcessor<SecurityContext> jwts;

        private Builder() {
        }

        /**
         * Reads API keys from a file of lines {@code <sha256-hex of the key> <principal> [role,role]},
         * {@code #} starting a comment; roles are {@code operator} and {@code auditor}.
         *
         * @throws IOException when the file cannot be read
         * @throws IllegalArgumentException naming the line that is malformed (never its key)
         */
        public Builder apiKeys(Path file) throws IOException {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\\s+");
                if (parts.length < 2 || parts.length > 3 || !parts[0].matches("[0-9a-f]{64}")) {
                    throw new IllegalArgumentException(file + " line " + (i + 1)
                            + ": expected <sha256-hex> <principal> [roles], the hash in lower case");
                }
                Principal principal = new Principal(parts[1], roles(parts.length == 3 ? parts[2] : "", file + " line " + (i + 1)));
                if (keys.put(parts[0], principal) != null) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + ": the same key hash twice");
                }
            }
            return this;
        }

        /** One API key given in memory (the development mode's generated key). */
        public Builder apiKey(String key, Principal principal) {
            keys.put(sha256(key), Objects.requireNonNull(principal, "principal"));
            return this;
        }

        /**
         * Accepts JWTs signed (RS256 or ES256) by a key of the JWKS file, issued by {@code issuer}
         * for {@code audience}. The principal is {@code sub}; roles come from the {@code roles} claim.
         *
         * @throws IOException when the file cannot be read or is not a JWKS
         */
        public Builder jwts(Path jwksFile, String issuer, String audience) throws IOException {
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(audience, "audience");
            JWKSet keys;
            try {
                keys = JWKSet.load(jwksFile.toFile());
            } catch (ParseException e) {
                throw new IOException(jwksFile + " is not a JWKS document: " + e.getMessage(), e);
            }
            DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
            processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256),
                    new ImmutableJWKSet<>(keys)));
            DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(audience,
                    new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("sub", "exp"));
            claims.setMaxClockSkew((int) CLOCK_SKEW.toSeconds());
            processor.setJWTClaimsSetVerifier(claims);
            this.jwts = processor;
            return this;
        }

        public Authenticator build() {
            if (keys.isEmpty() && jwts == null) {
                throw new IllegalStateException("an authenticator needs API keys, a JWKS, or both");
            }
            return new Authenticator(keys, jwts);
        }
    }

    /** The principal of an {@code Authorization} header. */
    Principal authenticate(String authorization) throws Unauthenticated {
        if (authorization == null || authorization.isBlank()) {
            throw new Unauthenticated("invalid_request", "no credential: send Authorization: Bearer <token>");
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new Unauthenticated("invalid_request", "the Authorization header is not a Bearer token");
        }
        String token = authorization.substring(7).strip();
        Principal byKey = keysByHash.get(sha256(token));
        if (byKey != null) {
            return byKey;
        }
        if (jwts != null && token.chars().filter(c -> c == '.').count() == 2) {
            try {
                JWTClaimsSet claims = jwts.process(token, null);
                Object roles = claims.getClaim("roles");
                List<String> names = new ArrayList<>();
                if (roles instanceof List<?> list) {
                    list.forEach(role -> names.add(String.valueOf(role)));
                }
                return new Principal(claims.getSubject(), roles(String.join(",", names), "the token's roles"));
            } catch (ParseException e) {
                throw new Unauthenticated("invalid_token", "the token is not a well-formed JWT");
            } catch (BadJOSEException e) {
                throw new Unauthenticated("invalid_token", "the token was refused: " + e.getMessage());
            } catch (JOSEException | IllegalArgumentException e) {
                throw new Unauthenticated("invalid_token", "the token could not be verified");
            }
        }
        throw new Unauthenticated("invalid_token", "unknown API key or token");
    }

    private static Set<Principal.Role> roles(String text, String where) {
        Set<Principal.Role> roles = EnumSet.noneOf(Principal.Role.class);
        for (String role : text.split(",")) {
            if (role.isBlank()) {
                continue;
            }
            try {
                roles.add(Principal.Role.valueOf(role.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": unknown role " + role.strip() + "; roles are operator, auditor");
            }
        }
        return roles;
    }

    /** The lower-case hex SHA-256 of a key, as the key file holds it. */
    public static String sha256(String key) {
        return HexFormat.of().formatHex(SHA_256.get().digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    });

    /** A new random API key: 32 bytes from a strong source, URL-safe Base64. */
    public static String newApiKey() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
