import ArgumentParser

/// One parsed flag or argument of a command, as text: what ranks compare
/// before they start, and what a disagreement names.
struct Setting: Equatable, Sendable {
    /// `--lr`, or a positional argument's name (`checkpoint`).
    let name: String
    /// Nil for an optional flag that was not given.
    let value: String?

    /// How the setting reads in a message: `with --lr 0.01`, `without --max-steps`.
    var rendered: String { value.map { "with \(name) \($0)" } ?? "without \(name)" }
}

/// Commands whose properties are not named like their flags (`--init` for
/// `initialWeights`) say so here; every other property `fooBar` is
/// `--foo-bar`, ArgumentParser's own default.
protocol FlagSpellings {
    static var flagNames: [String: String] { get }
}

extension ParsableArguments {
    /// Every flag and argument of this parsed command, in declaration order,
    /// option groups expanded in place.
    ///
    /// Read from the property wrappers themselves, so a flag added to a
    /// command is compared without anyone remembering to list it.
    var settings: [Setting] {
        wrappers.flatMap { name, wrapper in (wrapper as? SettingSource)?.settings(named: name) ?? [] }
    }

    /// Every flag of this command by name without dashes (`lr`, `overlap`),
    /// true for the on/off ones that take no value: what a `--config` file
    /// may set, and how. Read on a command that has not been parsed (the
    /// wrappers' types, never their values).
    static var flagKinds: [String: Bool] {
        var kinds = [String: Bool]()
        for (name, wrapper) in Self().wrappers {
            switch wrapper {
            case let group as any FlagKindSource: kinds.merge(group.flagKinds) { first, _ in first }
            case is Flag<Bool>: kinds[String(name.drop { $0 == "-" })] = true
            case is any SettingSource: kinds[String(name.drop { $0 == "-" })] = false
            default: break
            }
        }
        return kinds
    }

    /// This command's property wrappers, each with its flag's name (`--lr`).
    private var wrappers: [(name: String, wrapper: Any)] {
        let spellings = (Self.self as? FlagSpellings.Type)?.flagNames ?? [:]
        return Mirror(reflecting: self).children.compactMap { child in
            guard let label = child.label, label.hasPrefix("_") else { return nil }
            let property = String(label.dropFirst())
            return (spellings[property] ?? "--" + kebabCase(property), child.value)
        }
    }
}

/// A property wrapper of ArgumentParser that holds one or more settings.
protocol SettingSource {
    func settings(named name: String) -> [Setting]
}

extension Option: SettingSource {
    func settings(named name: String) -> [Setting] { [Setting(name: name, value: settingText(wrappedValue))] }
}

extension Flag: SettingSource {
    func settings(named name: String) -> [Setting] { [Setting(name: name, value: settingText(wrappedValue))] }
}

extension Argument: SettingSource {
    /// Positional: named by the property, without dashes.
    func settings(named name: String) -> [Setting] {
        [Setting(name: String(name.drop { $0 == "-" }), value: settingText(wrappedValue))]
    }
}

extension OptionGroup: SettingSource {
    func settings(named _: String) -> [Setting] { wrappedValue.settings }
}

/// `batchSize` -> `batch-size`.
func kebabCase(_ name: String) -> String {
    name.reduce(into: "") { text, character in
        if character.isUppercase {
            text += "-" + character.lowercased()
        } else {
            text.append(character)
        }
    }
}

/// A value as the user would type it: optionals unwrapped (nil when
/// unset), enumerations by their raw value.
func settingText(_ value: Any) -> String? {
    let mirror = Mirror(reflecting: value)
    if mirror.displayStyle == .optional {
        return mirror.children.first.flatMap { settingText($0.value) }
    }
    if let raw = value as? any RawRepresentable {
        return String(describing: raw.rawValue)
    }
    return String(describing: value)
}

/// An option group, whose flags are its wrapped type's.
protocol FlagKindSource {
    var flagKinds: [String: Bool] { get }
}

extension OptionGroup: FlagKindSource {
    var flagKinds: [String: Bool] { Value.flagKinds }
}
