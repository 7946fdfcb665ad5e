package io.sluice.engine.exec;

/** Stable hash partitioning of encoded keys: a 64-bit FNV-1a hash of the key bytes, mod the partition count. */
public record HashPartitioner(int partitions) {
    public HashPartitioner {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1");
        }
    }

    public int partition(byte[] key) {
        return (int) Math.floorMod(hash(key), (long) partitions);
    }

    public static long hash(byte[] key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        // final avalanche (murmur3 fmix64) so that low bits are well mixed
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
