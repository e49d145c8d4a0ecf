//! Settings of the global allocator (mimalloc, set in `main.rs`) for the commands that run
//! once and exit.
//!
//! By default mimalloc returns freed memory to the OS after a delay. A build frees and
//! allocates gigabytes in waves (one search shard after another, pages rendered and written),
//! so the memory it returned was faulted in and zeroed again by the kernel. Keeping freed
//! memory until exit costs no peak memory at 10,000 documents; at 100,000 it costs about a
//! tenth of the peak and saves about 2% of the time (the measurements are in
//! book/src/performance.md, "The memory allocator" and "Where a build of 100,000 documents
//! stands"). `opsbook serve`
//! runs for hours and keeps the default.
//!
//! Every command turns transparent huge pages off ([`without_huge_pages`]).

use std::os::raw::c_long;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (libmimalloc-sys has no constant
/// for it); `purge_delay_index_is_mimalloc_3s` checks it against the documented default.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory in the process until it exits (`purge_delay` = -1).
pub fn keep_freed_memory() {
    // SAFETY: mi_option_set only stores a value in mimalloc's option table; any thread may
    // call it at any time.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1 as c_long) }
}

/// Turns transparent huge pages off for this process (what mimalloc's `allow_thp = 0` does,
/// which it reads only when it starts). A lint or build faults its memory in once and keeps it;
/// with huge pages each first touch zeroes 2 MB, and when the machine's memory is
/// fragmented (after another large process, as on a CI runner) the kernel compacts memory
/// to find them. Measured in book/src/performance.md ("Transparent huge pages").
pub fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes an integer and changes only this process's memory
    // policy; a failure (an old kernel) leaves the policy as it was.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1 as libc::c_ulong, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn builds_run_without_transparent_huge_pages() {
        without_huge_pages();
        // SAFETY: PR_GET_THP_DISABLE only reads this process's setting.
        let disabled = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        assert_eq!(disabled, 1);
    }

    #[test]
    fn purge_delay_index_is_mimalloc_3s() {
        // SAFETY: reading and writing mimalloc's option table, as above.
        unsafe {
            // mimalloc 3 documents purge_delay's default as 1000 ms; no other option of the
            // table defaults to 1000.
            assert_eq!(libmimalloc_sys::mi_option_get(PURGE_DELAY), 1000);
            keep_freed_memory();
            assert_eq!(libmimalloc_sys::mi_option_get(PURGE_DELAY), -1);
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 1000);
        }
    }
}
