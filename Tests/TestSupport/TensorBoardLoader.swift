import Foundation
import Testing

/// TensorBoard's own Python loader, run on our event files: the reader that
/// decides whether a user sees the curves, so the one the tests must satisfy.
///
/// `Tests/tools/tensorboard-venv.sh` creates a virtual environment with a
/// pinned TensorBoard once per machine (downloading it from PyPI); when it
/// cannot, the test fails rather than skips.
public enum TensorBoardLoader {
    /// One series as a loader reports it: (step, value) for scalars,
    /// (step, stated width, stated height, decoded width, decoded height,
    /// decoded channels) for images.
    public struct Run {
        public var scalars: [String: [(step: Int, value: Double)]] = [:]
        public var images: [String: [(step: Int, width: Int, height: Int, decoded: [Int])]] = [:]
    }

    /// What TensorBoard read from a directory: through the classic
    /// `event_accumulator` and through `plugin_event_accumulator` (what the
    /// TensorBoard server uses), plus the record count of each file read with
    /// TensorBoard's CRC-checking record reader.
    public struct Reading {
        public var classic = Run()
        public var plugin = Run()
        public var recordsPerFile: [Int] = []
        public var pythonMaskedCRC: UInt32 = 0
    }

    public static func read(_ directory: String) throws -> Reading {
        let python = try venvPython()
        let result = Command.execute(python, ["-c", script, directory], timeout: 120)
        try #require(result.status == 0, "TensorBoard's loader failed: \(result.error)")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8))
        let json = try #require(object as? [String: Any], "not a JSON object: \(result.output)")
        var reading = Reading()
        reading.classic = parseRun(json["classic"])
        reading.plugin = parseRun(json["plugin"])
        reading.recordsPerFile = (json["records"] as? [Int]) ?? []
        reading.pythonMaskedCRC = UInt32((json["masked_crc"] as? Int) ?? 0)
        return reading
    }

    /// The venv's python, creating the venv on first use.
    public static func venvPython() throws -> String {
        let tool = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tools/tensorboard-venv.sh").path
        let result = Command.execute("/bin/bash", [tool], timeout: 900)
        try #require(result.status == 0, "\(tool) failed (it needs PyPI the first time): \(result.error)")
        return try #require(result.output.split(separator: "\n").last.map(String.init), "\(tool) printed nothing")
    }

    private static func parseRun(_ value: Any?) -> Run {
        var run = Run()
        let dictionary = value as? [String: Any] ?? [:]
        for (tag, series) in dictionary["scalars"] as? [String: [[Double]]] ?? [:] {
            run.scalars[tag] = series.map { (step: Int($0[0]), value: $0[1]) }
        }
        for (tag, series) in dictionary["images"] as? [String: [[Int]]] ?? [:] {
            run.images[tag] = series.map { (step: $0[0], width: $0[1], height: $0[2], decoded: Array($0[3...])) }
        }
        return run
    }

    /// Prints one JSON object; any assertion failure exits non-zero.
    static let script = #"""
    import io, json, os, struct, sys, zlib
    from tensorboard.backend.event_processing import event_accumulator, plugin_event_accumulator
    from tensorboard.compat.tensorflow_stub import pywrap_tensorflow
    from tensorboard.util import tensor_util

    directory = sys.argv[1]

    def decode(png):
        """(width, height, channels) of a PNG, decoded by Pillow or, without it, by zlib."""
        assert png[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
        try:
            from PIL import Image
        except ImportError:
            Image = None
        if Image is not None:
            with Image.open(io.BytesIO(png)) as image:
                image.load()
                return [image.size[0], image.size[1], len(image.getbands())]
        width, height, depth, color = struct.unpack(">IIBB", png[16:26])
        pos, idat = 8, b""
        while pos < len(png):
            length, kind = struct.unpack(">I4s", png[pos:pos + 8])
            if kind == b"IDAT":
                idat += png[pos + 8:pos + 8 + length]
            pos += 12 + length
        channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
        assert depth == 8 and len(zlib.decompress(idat)) == height * (width * channels + 1)
        return [width, height, channels]

    classic = event_accumulator.EventAccumulator(
        directory, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0})
    classic.Reload()
    tags = classic.Tags()
    classic_run = {
        "scalars": {tag: [[e.step, e.value] for e in classic.Scalars(tag)] for tag in tags[event_accumulator.SCALARS]},
        "images": {tag: [[e.step, e.width, e.height] + decode(e.encoded_image_string) for e in classic.Images(tag)]
                   for tag in tags[event_accumulator.IMAGES]},
    }

    plugin = plugin_event_accumulator.EventAccumulator(directory, tensor_size_guidance={"scalars": 0, "images": 0})
    plugin.Reload()
    plugin_run = {"scalars": {}, "images": {}}
    for tag in plugin.Tags()[plugin_event_accumulator.TENSORS]:
        kind = plugin.SummaryMetadata(tag).plugin_data.plugin_name
        events = plugin.Tensors(tag)
        if kind == "scalars":
            plugin_run["scalars"][tag] = [[e.step, tensor_util.make_ndarray(e.tensor_proto).item()] for e in events]
        elif kind == "images":
            # The images plugin's tensor: [width, height, encoded image...] as strings.
            rows = []
            for e in events:
                width, height, png = e.tensor_proto.string_val[:3]
                rows.append([e.step, int(width), int(height)] + decode(png))
            plugin_run["images"][tag] = rows
        else:
            raise AssertionError("tag %r has plugin %r" % (tag, kind))

    records = []
    for name in sorted(os.listdir(directory)):
        if name.startswith("events.out.tfevents."):
            reader = pywrap_tensorflow.PyRecordReader_New(os.path.join(directory, name))
            count = 0
            while True:
                try:
                    reader.GetNext()
                except Exception as error:
                    if type(error).__name__ != "OutOfRangeError":
                        raise
                    break
                count += 1
            records.append(count)

    print(json.dumps({"classic": classic_run, "plugin": plugin_run, "records": records,
                      "masked_crc": pywrap_tensorflow.masked_crc32c(b"123456789")}))
    """#
}
