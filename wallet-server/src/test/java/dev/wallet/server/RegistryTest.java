package dev.wallet.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wallet.api.AccountId;
import dev.wallet.api.TransactionId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's registry survives crashes mid-write and never reuses a principal's number. */
class RegistryTest {

    @Test
    void recordsSurviveAReopen_andATornLastWriteIsCutAway(@TempDir Path directory) throws IOException {
        TransactionId clientId = TransactionId.random();
        TransactionId alicesId;
        try (Registry registry = Registry.open(directory)) {
            alicesId = registry.scoped("alice", clientId);
            registry.own(AccountId.of("a1"), "alice");
            registry.numberOf("bob");
        }
        Path file = directory.resolve(Registry.FILE);
        // A crash mid-write: half a record, no newline, bytes that are not even UTF-8.
        Files.write(file, new byte[] {'P', ' ', '3', ' ', (byte) 0xC3}, StandardOpenOption.APPEND);
        try (Registry registry = Registry.open(directory)) {
            assertEquals(alicesId, registry.scoped("alice", clientId), "alice keeps her number");
            assertEquals(Optional.of("alice"), registry.ownerOf(AccountId.of("a1")));
            assertEquals(Optional.of("alice"), registry.issuerOf(alicesId));
            registry.numberOf("carol");
        }
        try (Registry registry = Registry.open(directory)) {
            assertEquals(3, registry.numberOf("carol"), "the record after the cut is whole");
            assertEquals(2, registry.numberOf("bob"));
            assertNotEquals(registry.scoped("bob", clientId), registry.scoped("alice", clientId));
        }
    }

    @Test
    void aLastLineWithoutItsNewline_isTorn_andTheNextRecordsStayWhole(@TempDir Path directory) throws IOException {
        try (Registry registry = Registry.open(directory)) {
            registry.numberOf("alice");
            registry.numberOf("bob");
        }
        Path file = directory.resolve(Registry.FILE);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 1));
        try (Registry registry = Registry.open(directory)) {
            assertEquals(Optional.empty(), registry.scopedIfKnown("bob", TransactionId.random()).map(id -> "known"),
                    "bob's record lost its newline: it was never complete");
            assertEquals(2, registry.numberOf("dave"));
        }
        try (Registry registry = Registry.open(directory)) {
            assertEquals(1, registry.numberOf("alice"));
            assertEquals(2, registry.numberOf("dave"));
        }
    }

    @Test
    void damageBeforeTheLastLine_refusesToStart(@TempDir Path directory) throws IOException {
        try (Registry registry = Registry.open(directory)) {
            registry.numberOf("alice");
            registry.numberOf("bob");
        }
        Path file = directory.resolve(Registry.FILE);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Files.writeString(file, text.replaceFirst("alice", "alicf"));
        assertThrows(IOException.class, () -> Registry.open(directory));
    }

    @Test
    void readsNeverAssignANumber(@TempDir Path directory) throws IOException {
        try (Registry registry = Registry.open(directory)) {
            assertEquals(Optional.empty(), registry.scopedIfKnown("nobody", TransactionId.random()));
            assertEquals(1, registry.numberOf("alice"), "nobody got no number");
        }
    }
}
