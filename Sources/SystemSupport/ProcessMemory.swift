import CMalloc

/// Memory settings for a short command that allocates and frees many large buffers (whole beams, 256 KiB pieces of
/// an archive, their compressed output).
package enum ProcessMemory {
    /// glibc gives a block of 128 KiB or more its own `mmap` and returns it to the kernel when freed, and trims the
    /// heap's top as it shrinks: the next buffer of that size is faulted in and zeroed by the kernel again, page by
    /// page. Measured on `generate-upgrade` of the benchmark pair, that was 6,000 of its 13,600 page faults and
    /// 13 % of its CPU time. A command that runs for a fraction of a second keeps what it freed instead: blocks
    /// up to 32 MiB come from the heap, and the heap is not trimmed below 256 MiB of free space.
    package static func keepFreedMemory() {
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
    }
}
