import CHDF5

/// The process-wide side of libhdf5: its error reporting.
///
/// HDF5 prints its whole error stack to stderr on every failed call unless
/// told not to, and in a thread-safe build (Debian's) that setting belongs to
/// each thread's error stack. So every public entry point calls ``prepare()``
/// on its own thread first; a failure then surfaces only as a typed
/// ``HDF5Error`` carrying HDF5's innermost message.
enum HDF5Library {
    /// Silences automatic error printing for the calling thread (cheap;
    /// idempotent), and once per process makes the LZF plugin loadable.
    static func prepare() {
        _ = lzfPreloaded
        _ = vae_h5_silence_errors()
    }

    /// Whether liblzf was loaded for Debian's LZF plugin (see `vae_h5_preload_lzf`).
    static let lzfPreloaded: Bool = vae_h5_preload_lzf() != 0

    /// Forgets the errors of calls whose failure was an expected answer.
    static func clearErrors() {
        _ = H5Eclear2(vae_h5e_default())
    }

    /// HDF5's innermost message for the last failure on this thread, and
    /// clears the stack so the next failure starts afresh.
    static func lastErrorMessage() -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer in
            guard let base = buffer.baseAddress else { return "" }
            vae_h5_error_message(base)
            return String(cString: base)
        }
    }
}
