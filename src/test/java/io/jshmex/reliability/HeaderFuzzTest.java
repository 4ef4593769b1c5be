package io.jshmex.reliability;

import io.jshmex.NativeShm;
import io.jshmex.ShmException;
import io.jshmex.ShmSegment;
import io.jshmex.shm.SegmentInfo;
import io.jshmex.shm.Shm;
import io.jshmex.testing.LeakCheckedTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A fuzzer over the segment header parser, from Java, through real files in /dev/shm: each case
 * writes a random or mutated 64-byte header (bytes flipped, a field set to an edge value, random
 * bytes; the FNV-1a checksum recomputed or not) over a fully written file of random size, then
 * calls Shm.readHeader and NativeShm.attach on it. An independent oracle, written here from the
 * layout in jshmex.h, says whether the header is valid: a valid one must be accepted with every
 * field as written and every data byte readable and equal to the file's; an invalid one must be
 * refused with a ShmException. Anything else (another exception, an accepted invalid header, a
 * refused valid one, a crash) is a failure.
 */
@ExtendWith(Report.class)
class HeaderFuzzTest extends LeakCheckedTest {
    private static final int HEADER = 64;
    private static final long MAGIC = 0x31584D4853484A00L;
    private static final int MAX_DATA = 1 << 20;
    private static final int[] SIZES = {1, 1, 2, 2, 4, 8, 4, 8, 1};
    private static final String[] STRATEGIES = {"valid", "bytes flipped", "bytes flipped, checksum fixed",
        "edge value, checksum fixed", "random bytes", "random fields, checksum fixed", "length past the file"};

    private final byte[] pattern = new byte[HEADER + MAX_DATA];

    @Test
    void mutatedHeadersAreAcceptedExactlyWhenValidAndNeverCrash() throws Exception {
        Tally.run(Fault.FUZZ_JAVA, this::fuzz);
    }

    private void fuzz(Tally tally) throws Exception {
        int cases = Scale.of(100_000, 500_000);
        long seed = System.nanoTime();
        Random random = new Random(seed);
        tally.note("seed " + seed);
        for (int k = 0; k < pattern.length; k++) {
            pattern[k] = (byte) (k * 131 + (k >>> 8) * 7);
        }
        String name = "jshmex_fuzz_" + ProcessHandle.current().pid() + "_0";
        Path path = Path.of(Shm.SHM_DIR, name);
        Files.deleteIfExists(path);
        long accepted = 0;
        FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        long size = 0;
        try {
            ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.nativeOrder());
            for (int c = 0; c < cases; c++) {
                int strategy = pick(random);
                long newSize = fileSize(random);
                if (!Files.exists(path)) {
                    // another process cleared /dev/shm under us (NativeShm.clear()): start the file again
                    file.close();
                    file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                    file.truncate(0);
                    size = 0;
                }
                size = resize(file, size, newSize);
                mutate(header, strategy, size, random);
                file.write(header.duplicate().position(0).limit((int) Math.min(HEADER, size)), 0);
                boolean valid = valid(header, size);
                String label = "case " + c + " (" + STRATEGIES[strategy] + ", file " + size + " bytes)";
                boolean attached = attempt(tally, name, header, valid, label);
                accepted += attached ? 1 : 0;
                tally.outcome(valid ? "valid" : "invalid");
                tally.addCase();
            }
        } finally {
            file.close();
            Files.deleteIfExists(path);
        }
        tally.note(accepted + " attached, " + (cases - accepted) + " refused");
    }

    private static int pick(Random random) {
        int r = random.nextInt(100);
        return r < 10 ? 0 : r < 25 ? 1 : r < 45 ? 2 : r < 75 ? 3 : r < 80 ? 4 : r < 90 ? 5 : 6;
    }

    private static long fileSize(Random random) {
        int r = random.nextInt(100);
        if (r < 5) {
            return random.nextInt(HEADER);
        }
        if (r < 70) {
            return HEADER + random.nextInt(4097);
        }
        if (r < 99) {
            return HEADER + random.nextInt(65537);
        }
        return HEADER + random.nextInt(MAX_DATA + 1);
    }

    /**
     * Makes the file {@code newSize} bytes, every byte written (a sparse file is refused on its own
     * count); byte k of the file is always pattern[k].
     */
    private long resize(FileChannel file, long size, long newSize) throws IOException {
        if (newSize < size) {
            file.truncate(newSize);
        } else if (newSize > size) {
            ByteBuffer fill = ByteBuffer.wrap(pattern, (int) size, (int) (newSize - size));
            while (fill.hasRemaining()) {
                file.write(fill, fill.position());
            }
        }
        return newSize;
    }

    private static void mutate(ByteBuffer h, int strategy, long size, Random random) {
        int type = random.nextInt(9);
        long dataBytes = size < HEADER ? 0 : random.nextInt(4) == 0 ? (long) (random.nextDouble() * (size - HEADER))
            : size - HEADER;
        long count = random.nextInt(4) == 0 ? (long) (random.nextDouble() * (dataBytes / SIZES[type]))
            : dataBytes / SIZES[type];
        h.putLong(0, MAGIC).putInt(8, 1).putInt(12, type).putLong(16, count).putLong(24, HEADER)
            .putLong(32, dataBytes).putLong(40, random.nextInt(1 << 22)).putLong(48, random.nextLong() >>> 24)
            .putInt(56, 0);
        seal(h);
        switch (strategy) {
            case 0:
                break;
            case 1:
                flip(h, random);
                break;
            case 2:
                flip(h, random);
                seal(h);
                break;
            case 3:
                edge(h, random, size, type);
                seal(h);
                break;
            case 4:
                for (int i = 0; i < HEADER; i++) {
                    h.put(i, (byte) random.nextInt());
                }
                break;
            case 5:
                for (int i = 12; i < 60; i++) {
                    h.put(i, (byte) random.nextInt());
                }
                seal(h);
                break;
            default:
                h.putLong(32, Math.max(0, size - HEADER) + 1 + random.nextInt(1 << 16));
                seal(h);
        }
    }

    private static void flip(ByteBuffer h, Random random) {
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
            int at = random.nextInt(HEADER);
            h.put(at, (byte) (h.get(at) ^ (1 << random.nextInt(8))));
        }
    }

    private static void edge(ByteBuffer h, Random random, long size, int type) {
        long[] lengths = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, size, size - HEADER, size - HEADER + 1,
            size - HEADER - 1, 1L << 32, 1L << 46, (size - HEADER) / SIZES[type] + 1, Integer.MAX_VALUE,
            0xFFFFFFFFL};
        switch (random.nextInt(9)) {
            case 0:
                h.putLong(0, random.nextBoolean() ? Long.reverseBytes(MAGIC) : MAGIC ^ (1L << random.nextInt(64)));
                break;
            case 1:
                h.putInt(8, new int[] {0, 2, -1, 255, Integer.MAX_VALUE}[random.nextInt(5)]);
                break;
            case 2:
                h.putInt(12, new int[] {8, 9, 15, 16, 255, -1, Integer.MIN_VALUE}[random.nextInt(7)]);
                break;
            case 3:
                h.putLong(16, lengths[random.nextInt(lengths.length)]);
                break;
            case 4:
                h.putLong(24, new long[] {0, 63, 65, 128, -1, 1L << 40}[random.nextInt(6)]);
                break;
            case 5:
                h.putLong(32, lengths[random.nextInt(lengths.length)]);
                break;
            case 6:
                h.putLong(40, new long[] {0, -1, Long.MAX_VALUE, ProcessHandle.current().pid()}[random.nextInt(4)]);
                break;
            case 7:
                h.putInt(56, 1 << random.nextInt(32));
                break;
            default:
                h.putInt(60, random.nextInt());
        }
    }

    private static void seal(ByteBuffer h) {
        int hash = 0x811C9DC5;
        for (int i = 0; i < 60; i++) {
            hash = (hash ^ (h.get(i) & 0xFF)) * 16777619;
        }
        h.putInt(60, hash);
    }

    /** The oracle: jshmex.h's check_header, written again from its layout. */
    private static boolean valid(ByteBuffer h, long size) {
        if (size < HEADER) {
            return false;
        }
        int stored = h.getInt(60);
        ByteBuffer copy = ByteBuffer.allocate(HEADER).order(ByteOrder.nativeOrder()).put(h.duplicate().position(0));
        seal(copy);
        int type = h.getInt(12);
        long dataBytes = h.getLong(32);
        return h.getLong(0) == MAGIC && h.getInt(8) == 1 && copy.getInt(60) == stored
            && Integer.compareUnsigned(type, 15) <= 0 && h.getInt(56) == 0 && h.getLong(24) == HEADER
            && Long.compareUnsigned(dataBytes, size - HEADER) <= 0
            && Long.compareUnsigned(h.getLong(16), Long.divideUnsigned(dataBytes, type < SIZES.length ? SIZES[type] : 1)) <= 0;
    }

    /** readHeader and attach; returns whether attach succeeded. */
    private boolean attempt(Tally tally, String name, ByteBuffer h, boolean valid, String label) {
        try {
            SegmentInfo info = Shm.readHeader(name);
            if (!valid) {
                tally.fail(label + ": readHeader accepted an invalid header: " + info);
            } else if (info.dataBytes() != h.getLong(32) || info.elementType() != h.getInt(12)
                || info.elementCount() != h.getLong(16) || info.creatorPid() != h.getLong(40)
                || info.creatorStartMillis() != h.getLong(48)) {
                tally.fail(label + ": readHeader gave " + info + " for a header that says otherwise");
            }
        } catch (ShmException refused) {
            if (valid) {
                tally.fail(label + ": readHeader refused a valid header: " + refused.getMessage());
            }
        } catch (RuntimeException | Error other) {
            tally.fail(label + ": readHeader threw " + Causes.chain(other));
        }
        try (ShmSegment segment = NativeShm.attach(name)) {
            if (!valid) {
                tally.fail(label + ": attach accepted an invalid header: " + segment);
                return true;
            }
            long dataBytes = h.getLong(32);
            if (segment.byteSize() != dataBytes) {
                tally.fail(label + ": attached " + segment.byteSize() + " data bytes, the header says " + dataBytes);
                return true;
            }
            ByteBuffer data = segment.asByteBuffer();
            if (data.mismatch(ByteBuffer.wrap(pattern, HEADER, (int) dataBytes)) != -1) {
                tally.fail(label + ": the data read through the mapping differs from the file's");
            }
            return true;
        } catch (ShmException refused) {
            if (valid) {
                tally.fail(label + ": attach refused a valid header: " + refused.getMessage());
            }
            return false;
        } catch (RuntimeException | Error other) {
            tally.fail(label + ": attach threw " + Causes.chain(other));
            return false;
        }
    }
}
