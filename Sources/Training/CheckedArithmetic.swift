/// An `Int` computation that remembers overflow instead of trapping.
struct Checked {
    let value: Int?

    init(_ value: Int?) { self.value = value }

    func plus(_ other: Int) -> Checked { plus(Checked(other)) }
    func times(_ other: Int) -> Checked { times(Checked(other)) }

    func plus(_ other: Checked) -> Checked {
        guard let a = value, let b = other.value else { return Checked(nil) }
        let (sum, overflow) = a.addingReportingOverflow(b)
        return Checked(overflow ? nil : sum)
    }

    func times(_ other: Checked) -> Checked {
        guard let a = value, let b = other.value else { return Checked(nil) }
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return Checked(overflow ? nil : product)
    }
}
