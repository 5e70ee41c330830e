import SwiftProtobuf
import SystemIO
@testable import TensorBoard

/// The events in a file, read back with our own framing reader (the
/// TensorBoard loader tests read them with TensorBoard's).
func events(in path: String) throws -> [Tensorboard_Event] {
    try TFRecord.payloads(in: try Files.read(path), path: path).map { try Tensorboard_Event(serializedBytes: $0) }
}

/// The event files of a directory, in name order (TensorBoard's order).
func eventFiles(in directory: String) throws -> [String] {
    try Files.list(directory).filter { $0.hasPrefix("events.out.tfevents.") }.sorted().map { "\(directory)/\($0)" }
}

/// A fresh directory under the system's temporary directory.
func temporaryDirectory(_ label: String) -> String {
    "/tmp/vae-dist-tensorboard-\(label)-\(ProcessIdentity.processID)-\(UInt64.random(in: 0...UInt64.max))"
}
