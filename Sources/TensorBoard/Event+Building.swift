import Foundation

/// The events vae-dist writes, built in one place so that the writer reads
/// as what it records rather than as protobuf field assignments.
extension Tensorboard_Event {
    /// The first event of every file: it tells TensorBoard the format
    /// ("brain.Event:2"), which also turns on its restart handling.
    static func fileVersion(wallTime: Double) -> Self {
        var event = Self()
        event.wallTime = wallTime
        event.fileVersion = "brain.Event:2"
        return event
    }

    static func summary(_ values: [Tensorboard_Summary.Value], step: Int, wallTime: Double) -> Self {
        var event = Self()
        event.wallTime = wallTime
        event.step = Int64(step)
        event.summary.value = values
        return event
    }

    /// A session (re)start at `step`: TensorBoard drops the events it read
    /// before this one whose step is at least `step`.
    static func sessionStart(step: Int, wallTime: Double) -> Self {
        var event = Self()
        event.wallTime = wallTime
        event.step = Int64(step)
        event.sessionLog.status = .start
        return event
    }
}

extension Tensorboard_Summary.Value {
    static func scalar(tag: String, value: Float) -> Self {
        var summaryValue = Self()
        summaryValue.tag = tag
        summaryValue.simpleValue = value
        return summaryValue
    }

    /// `colorspace` is TensorFlow's code, which equals the channel count for
    /// grey (1), grey + alpha (2), RGB (3) and RGBA (4).
    static func image(tag: String, png: [UInt8], width: Int32, height: Int32, colorspace: Int32) -> Self {
        var image = Tensorboard_Summary.Image()
        image.width = width
        image.height = height
        image.colorspace = colorspace
        image.encodedImageString = Data(png)
        var summaryValue = Self()
        summaryValue.tag = tag
        summaryValue.image = image
        return summaryValue
    }
}
