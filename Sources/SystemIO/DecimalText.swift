/// Numbers as short decimal text for progress lines and messages.

/// `part` as a whole percentage of `whole`.
package func percent(_ part: Double, of whole: Double) -> String {
    format(100 * part / max(whole, 1e-9), 0) + "%"
}

/// `value` with `digits` decimals (no Foundation formatter needed).
package func format(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return String(value) }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    let whole = Int(rounded / scale)
    var text = (value < 0 ? "-" : "") + String(whole)
    if digits > 0 {
        let fraction = String(Int(rounded - Double(whole) * scale))
        text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
    return text
}
