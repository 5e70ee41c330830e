/// The size and colour type a PNG file declares in its IHDR chunk.
///
/// TensorBoard shows an image's stated width and height beside the decoded
/// picture; checking them against the file catches a caller that passes the
/// dimensions of a different image, before a wrong record is on disk.
struct PNGHeader {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    let width: Int
    let height: Int
    /// PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA.
    let colorType: UInt8

    /// Parses the signature and the IHDR chunk that must follow it; the
    /// reason names what is wrong.
    init(parsing bytes: [UInt8]) throws(PNGHeaderError) {
        guard bytes.count >= 33, Array(bytes[0..<8]) == Self.signature else {
            throw PNGHeaderError(reason: "does not start with the PNG signature")
        }
        guard Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw PNGHeaderError(reason: "has no IHDR chunk after the signature")
        }
        func bigEndian(_ offset: Int) -> Int {
            bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        }
        width = bigEndian(16)
        height = bigEndian(20)
        colorType = bytes[25]
    }

    /// Whether the colour type has `channels` channels (a palette image
    /// expands to RGB or RGBA).
    func hasChannels(_ channels: Int) -> Bool {
        switch colorType {
        case 0: channels == 1
        case 4: channels == 2
        case 2: channels == 3
        case 6: channels == 4
        case 3: channels == 3 || channels == 4
        default: false
        }
    }
}

struct PNGHeaderError: Error {
    let reason: String
}
