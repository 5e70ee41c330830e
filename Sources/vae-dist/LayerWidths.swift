import ArgumentParser

/// `--hidden 400` or `--hidden 128,64`: the encoder's hidden widths, input
/// side first (the decoder mirrors them).
struct LayerWidths: ExpressibleByArgument, CustomStringConvertible, Sendable {
    let widths: [Int]

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        widths = parts.compactMap { $0 }
    }

    /// `128,64`, as the flag is written.
    var description: String { widths.map(String.init).joined(separator: ",") }

    var defaultValueDescription: String { description }

    init(_ widths: [Int]) { self.widths = widths }
}
