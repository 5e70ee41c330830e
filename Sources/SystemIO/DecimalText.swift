/// Numbers as short decimal text for progress lines and messages.

/// `part` as a whole percentage of `whole`.
package func percent(_ part: Double, of whole: Double) -> String {
    format(100 * part / max(whole, 1e-9), 0) + "%"
}

/// `value` with `digits` decimals (no Foundation formatter needed). Never
/// traps: a non-finite value reads `nan` (never `-nan`), `inf` or `-inf`, and one too large
/// for exact decimals (2^53 and beyond, once scaled) Swift's shortest form,
/// such as `1e+20`.
package func format(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : String(value) }  // a NaN's sign means nothing
    let digits = min(max(digits, 0), 15)
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    guard rounded < 0x1p53 else { return String(value) }
    let whole = Int(rounded / scale)
    var text = (value < 0 ? "-" : "") + String(whole)
    if digits > 0 {
        let fraction = String(Int(rounded - Double(whole) * scale))
        text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
    return text
}
