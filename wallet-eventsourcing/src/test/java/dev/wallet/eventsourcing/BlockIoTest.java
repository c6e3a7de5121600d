package dev.wallet.eventsourcing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file written with direct I/O is byte for byte the one written through the page cache, whatever its length. */
class BlockIoTest {

    /** Lengths of content around the 4 KiB blocks (content + 4 bytes of CRC ending just before, on and after one) and the 1 MiB buffer. */
    private static final int[] LENGTHS = {0, 1, 4091, 4092, 4093, 8188, 8189, (1 << 20) - 4, 1 << 20, (1 << 20) + 5_000,
            3 * (1 << 20) + 17};

    @Test
    void directAndPageCacheWritersWriteTheSameFile(@TempDir Path directory) throws IOException {
        try (BlockIo.Writer probe = BlockIo.Writer.create(directory.resolve("probe"))) {
            assumeTrue(probe.direct(), "the file system of the temporary directory refuses direct I/O");
        }
        Random random = new Random(83);
        for (int length : LENGTHS) {
            byte[] content = new byte[length];
            random.nextBytes(content);
            Path direct = directory.resolve("direct-" + length);
            Path cached = directory.resolve("cached-" + length);
            try (BlockIo.Writer out = BlockIo.Writer.create(direct)) {
                assertTrue(out.direct());
                write(out, content);
            }
            try (BlockIo.Writer out = BlockIo.Writer.throughPageCache(cached)) {
                write(out, content);
            }
            assertEquals(length + 4, Files.size(direct), "length " + length);
            assertArrayEquals(Files.readAllBytes(cached), Files.readAllBytes(direct), "length " + length);
            try (FileChannel channel = FileChannel.open(direct, StandardOpenOption.READ)) {
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
