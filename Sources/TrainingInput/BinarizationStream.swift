/// Streams of the `--binarize` draws: one per epoch for training, one
/// fixed stream for the test set (binarized once, the same every epoch).
package enum BinarizationStream {
    package static let training: UInt64 = 0xB1A7_0000_0000_0000
    package static let test: UInt64 = 0xB1A7_7E57_0000_0000
}
