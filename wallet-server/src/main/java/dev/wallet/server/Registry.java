package dev.wallet.server;

import dev.wallet.api.AccountId;
import dev.wallet.api.TransactionId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.CRC32C;

/**
 * What the secured server keeps beside the wallet, durably (each change forced to disk before it
 * is relied on): a number for every principal it has seen, and the owner of every account opened
 * through it. One append-only file of checksummed lines; a torn last line (a crash mid-write) is
 * dropped when the file is read again, any other damage refuses to start.
 *
 * <p>Transaction ids are scoped per principal with it: the wallet records
 * {@link #scoped(String, TransactionId)}, an id made of the principal's number and a hash of the
 * client's id, so that two principals using the same id never meet, a principal cannot learn
 * anything about another's ids, and every event or ledger row names the principal who issued it
 * ({@link #issuerOf}).
 *
 * <p>Thread-safe.
 */
final class Registry implements AutoCloseable {

    static final String FILE = "server-registry.log";

    private final FileChannel file;
    /** Read without the lock on every request; written under it, after the record is durable. */
    private final Map<String, Integer> numbers = new ConcurrentHashMap<>();
    private final List<String> names = new CopyOnWriteArrayList<>();
    private final Map<AccountId, String> owners = new ConcurrentHashMap<>();
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    });

    private Registry(FileChannel file) {
        this.file = file;
        names.add(""); // number 0: ids not issued through the secured server
    }

    /** Opens (or creates) the registry of {@code directory}. */
    static Registry open(Path directory) throws IOException {
        Files.createDirectories(directory);
        Path path = directory.resolve(FILE);
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        Registry registry = new Registry(channel);
        try {
            registry.load(path);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return registry;
    }

    /**
     * Reads every complete record. A last segment without its newline, or a last line that fails
     * its checksum, is a write cut off by a crash: it was never relied on (records are used only
     * once forced), so it is cut away. A damaged line before the last refuses to start.
     */
    private void load(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        int start = 0;
        long good = 0;
        int line = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            line++;
            if (end == bytes.length) {
                break; // no newline: torn
            }
            String text = new String(bytes, start, end - start, StandardCharsets.UTF_8);
            if (!valid(text)) {
                if (end + 1 == bytes.length) {
                    break; // the last line, torn
                }
                throw new IOException(path + " line " + line + " is damaged; the server's registry cannot be trusted");
            }
            apply(text.substring(0, text.lastIndexOf(' ')).split(" "));
            start = end + 1;
            good = start;
        }
        file.truncate(good);
        file.position(good);
        file.force(false);
    }

    private void apply(String[] fields) {
        switch (fields[0]) {
            case "P" -> {
                int number = Integer.parseInt(fields[1]);
                if (number != names.size()) {
                    throw new IllegalStateException("principal numbers out of order at " + number);
                }
                names.add(fields[2]);
                numbers.put(fields[2], number);
            }
            case "O" -> owners.put(AccountId.of(fields[1]), fields[2]);
            default -> throw new IllegalStateException("unknown registry record " + fields[0]);
        }
    }

    private static boolean valid(String line) {
        int space = line.lastIndexOf(' ');
        if (space < 0) {
            return false;
        }
        return crc(line.substring(0, space)).equals(line.substring(space + 1));
    }

    private static String crc(String text) {
        CRC32C crc = new CRC32C();
        crc.update(text.getBytes(StandardCharsets.UTF_8));
        return Long.toHexString(crc.getValue());
    }

    /** Appends a record and forces it; on failure cuts the file back, so that no half record is left behind. */
    private void append(String record) {
        byte[] bytes = (record + " " + crc(record) + "\n").getBytes(StandardCharsets.UTF_8);
        long before = -1;
        try {
            before = file.position();
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                file.write(buffer);
            }
            file.force(false);
        } catch (IOException e) {
            try {
                if (before >= 0) {
                    file.truncate(before);
                    file.position(before);
                }
            } catch (IOException ignored) {
                // The next start cuts a torn last line away all the same.
            }
            throw new UncheckedIOException("the server's registry could not be written", e);
        }
    }

    /** The principal's number, assigned (durably) on first sight. */
    int numberOf(String principal) {
        Integer number = numbers.get(principal);
        return number != null ? number : assign(principal);
    }

    private synchronized int assign(String principal) {
        Integer number = numbers.get(principal);
        if (number != null) {
            return number;
        }
        int assigned = names.size();
        append("P " + assigned + " " + principal);
        names.add(principal);
        numbers.put(principal, assigned);
        return assigned;
    }

    /** The principal's number if it has one; a read never assigns one. */
    java.util.OptionalInt existingNumberOf(String principal) {
        Integer number = numbers.get(principal);
        return number == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(number);
    }

    /** The owner of an account opened through the secured server. */
    Optional<String> ownerOf(AccountId account) {
        return Optional.ofNullable(owners.get(account));
    }

    /** Records (durably) that {@code owner} owns {@code account}; an account keeps its first owner. */
    synchronized String own(AccountId account, String owner) {
        String existing = owners.get(account);
        if (existing != null) {
            return existing;
        }
        append("O " + account.value() + " " + owner);
        owners.put(account, owner);
        return owner;
    }

    /**
     * The id the wallet records for a principal's {@code clientId}: the principal's number in the
     * top 32 bits, version 8 and the RFC 9562 variant, and 90 bits of SHA-256 over the number and
     * the client's id.
     */
    TransactionId scoped(String principal, TransactionId clientId) {
        return scoped(numberOf(principal), clientId);
    }

    /** The scoped id of a principal known already; empty (and nothing written) for one never seen. */
    Optional<TransactionId> scopedIfKnown(String principal, TransactionId clientId) {
        java.util.OptionalInt number = existingNumberOf(principal);
        return number.isPresent() ? Optional.of(scoped(number.getAsInt(), clientId)) : Optional.empty();
    }

    private static TransactionId scoped(int number, TransactionId clientId) {
        MessageDigest sha = SHA_256.get();
        sha.update(ByteBuffer.allocate(20).putInt(number).putLong(clientId.value().getMostSignificantBits())
                .putLong(clientId.value().getLeastSignificantBits()).array());
        ByteBuffer hash = ByteBuffer.wrap(sha.digest());
        long high = hash.getLong();
        long low = hash.getLong();
        long msb = ((long) number << 32) | (high & 0xFFFF_0FFFL) | 0x0000_8000L;
        long lsb = (low & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new TransactionId(new UUID(msb, lsb));
    }

    /** The principal who issued a recorded id, when it was scoped by this registry. */
    Optional<String> issuerOf(TransactionId id) {
        UUID uuid = id.value();
        if (uuid.version() != 8 || uuid.variant() != 2) {
            return Optional.empty();
        }
        long number = uuid.getMostSignificantBits() >>> 32;
        return number > 0 && number < names.size() ? Optional.of(names.get((int) number)) : Optional.empty();
    }

    @Override
    public synchronized void close() {
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
