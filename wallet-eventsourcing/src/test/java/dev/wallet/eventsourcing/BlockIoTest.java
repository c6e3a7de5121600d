package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file written in whole aligned blocks (direct I/O) is byte for byte the one written through the page cache, whatever its length. */
class BlockIoTest {

    /** Lengths of content around the 4 KiB blocks (content + 4 bytes of CRC ending just before, on and after one) and the 1 MiB buffer. */
    private static final int[] LENGTHS = {0, 1, 4091, 4092, 4093, 8188, 8189, (1 << 20) - 4, 1 << 20, (1 << 20) + 5_000,
            3 * (1 << 20) + 17};

    @Test
    void blockAlignedAndPageCacheWritersWriteTheSameFile(@TempDir Path directory) throws IOException {
        Random random = new Random(83);
        for (int length : LENGTHS) {
            byte[] content = new byte[length];
            random.nextBytes(content);
            Path created = directory.resolve("created-" + length);
            Path aligned = directory.resolve("aligned-" + length);
            Path cached = directory.resolve("cached-" + length);
            try (BlockIo.Writer out = BlockIo.Writer.create(created)) {
                // Direct I/O where the temporary directory's file system takes it (ext4 here).
                write(out, content);
            }
            try (BlockIo.Writer out = BlockIo.Writer.aligned(FileChannel.open(aligned, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), 4096)) {
                // The same whole blocks, padding and cut, on any file system.
                write(out, content);
            }
            try (BlockIo.Writer out = BlockIo.Writer.throughPageCache(cached)) {
                write(out, content);
            }
            assertEquals(length + 4, Files.size(aligned), "length " + length);
            assertArrayEquals(Files.readAllBytes(cached), Files.readAllBytes(aligned), "length " + length);
            assertArrayEquals(Files.readAllBytes(cached), Files.readAllBytes(created), "length " + length);
            try (FileChannel channel = FileChannel.open(aligned, StandardOpenOption.READ)) {
                BlockIo.Reader in = new BlockIo.Reader(channel);
                byte[] read = new byte[length];
                in.getBytes(read, 0, length);
                assertArrayEquals(content, read, "length " + length);
                assertTrue(in.checksumMatches(), "length " + length);
            }
        }
    }

    /** Writes the content in pieces of varying size, longs where they fit, so that flushes fall anywhere. */
    private static void write(BlockIo.Writer out, byte[] content) throws IOException {
        int at = 0;
        int piece = 1;
        while (at < content.length) {
            int n = Math.min(content.length - at, piece);
            if (n >= 16 && n % 8 == 0) {
                long[] longs = new long[n / 8];
                java.nio.ByteBuffer.wrap(content, at, n).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(longs);
                out.putLongs(longs, 0, longs.length);
            } else {
                out.putBytes(Arrays.copyOfRange(content, at, at + n), 0, n);
            }
            at += n;
            piece = piece * 7 % 100_003 + 1;
        }
        out.finishWithChecksum();
        out.force();
    }
}
