import Foundation
@testable import PNG
import Testing
import TestSupport

@Suite struct PNGTests {
    static let grey = PNGImage(width: 5, height: 3, channels: 1, pixels: (0..<15).map { UInt8($0 * 17) })
    static let rgb = PNGImage(width: 4, height: 2, channels: 3, pixels: (0..<24).map { UInt8(truncatingIfNeeded: $0 * 41 + 3) })

    @Test(arguments: [grey, rgb])
    func writerAndReaderRoundTripAndPythonAgrees(image: PNGImage) throws {
        let data = try image.encoded()
        #expect(try PNGImage(decoding: data) == image)
        let path = try TemporaryDirectory.make(prefix: "png-rt").appendingPathComponent("a.png").path
        try write(data, to: path)
        #expect(try PNGImage(contentsOfFile: path) == image)
        let info = try PNGImage.info(ofFileAt: path)
        #expect(info == PNGInfo(width: image.width, height: image.height, channels: image.channels, hasAlpha: false, isSixteenBit: false))
        let lines = python(PythonPNGReader.script, [path]).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first.map(String.init) == "\(image.width) \(image.height)")
        #expect(lines.dropFirst().first?.split(separator: " ").compactMap { UInt8($0) } == image.pixels)
        #expect(lines.last.map(String.init) == "\(image.channels)")
    }

    /// Files no vae-dist writer produces, written byte by byte from the spec.
    static let writer = #"""
    import struct, sys, zlib
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    def png(name, width, height, depth, color, rows, extra=b""):
        raw = b"".join(b"\x00" + r for r in rows)
        header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0))
        data = b"\x89PNG\r\n\x1a\n" + header + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
        open(sys.argv[1] + "/" + name, "wb").write(data)
    png("grey16.png", 4, 1, 16, 0, [struct.pack(">4H", 0xFFFF, 0x8080, 0, 0x1234)])
    png("rgb16.png", 1, 1, 16, 2, [struct.pack(">3H", 0xFFFF, 0, 0x8080)])
    png("greyalpha.png", 3, 1, 8, 4, [bytes([200, 0, 200, 255, 100, 255])])
    png("rgba.png", 2, 1, 8, 6, [bytes([10, 20, 30, 255, 90, 90, 90, 0])])
    png("palette.png", 2, 1, 8, 3, [bytes([1, 0])], chunk(b"PLTE", bytes([10, 20, 30, 40, 50, 60])))
    png("grey4.png", 2, 1, 4, 0, [bytes([0xF0])])
    """#

    @Test func decodingFollowsTheDocumentedRules() throws {
        let directory = try TemporaryDirectory.make(prefix: "png-kinds").path
        _ = python(Self.writer, [directory])
        func read(_ name: String) throws -> PNGImage { try PNGImage(contentsOfFile: "\(directory)/\(name)") }
        // 16-bit values are reduced to 8 bits as sRGB values: 0xFFFF → 255, 0x8080 → 128.
        #expect(try read("grey16.png").pixels == [255, 128, 0, 18])
        #expect(try read("rgb16.png") == PNGImage(width: 1, height: 1, channels: 3, pixels: [255, 0, 128]))
        #expect(try PNGImage.info(ofFileAt: "\(directory)/grey16.png").isSixteenBit)
        // Alpha is composited onto black: transparent is 0, opaque keeps its value.
        let greyAlpha = try read("greyalpha.png")
        #expect(greyAlpha.channels == 1 && greyAlpha.pixels == [0, 200, 100])
        #expect(try PNGImage.info(ofFileAt: "\(directory)/greyalpha.png").hasAlpha)
        #expect(try read("rgba.png") == PNGImage(width: 2, height: 1, channels: 3, pixels: [10, 20, 30, 0, 0, 0]))
        // Palette files become RGB; low bit depths are expanded to 8 bits.
        #expect(try read("palette.png") == PNGImage(width: 2, height: 1, channels: 3, pixels: [40, 50, 60, 10, 20, 30]))
        #expect(try read("grey4.png").pixels == [255, 0])
    }

    @Test func brokenDataIsAnErrorNotACrash() throws {
        let good = try Self.rgb.encoded()
        #expect(throws: PNGError.self) { try PNGImage(decoding: Array("not a png at all".utf8)) }
        #expect(throws: PNGError.self) { try PNGImage(decoding: Array(good.prefix(good.count / 2))) }
        #expect(throws: PNGError.self) { try PNGImage(decoding: []) }
        #expect(throws: PNGError.self) { try PNGImage(contentsOfFile: "/nonexistent/a.png") }
        var flipped = good
        flipped[flipped.count - 20] ^= 0xFF
        #expect(throws: PNGError.self) { try PNGImage(decoding: flipped) }
    }
}
