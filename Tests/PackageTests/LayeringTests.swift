import Foundation
import Testing

/// Package.swift's layering comment and its targets, checked against the
/// `import` lines of every Swift file in Sources/ and Tests/.
@Suite struct LayeringTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Modules of the toolchain and the system, which no target declares.
    static let systemModules: Set<String> = [
        "Foundation", "FoundationEssentials", "Glibc", "Darwin", "Dispatch", "Synchronization", "Testing", "XCTest",
        "_Builtin_intrinsics",
    ]

    @Test func everyImportIsDeclaredAndEveryDeclarationImported() throws {
        let package = try PackageDescriptionText(Self.root)
        for target in package.targets where target.kind != "systemLibrary" {
            let imports = try Self.imports(in: Self.root.appendingPathComponent(target.path))
                .subtracting(Self.systemModules).subtracting([target.module])
            let declared = Set(target.dependencies.map(PackageDescriptionText.moduleName))
            #expect(imports.subtracting(declared).isEmpty,
                    "\(target.name) imports \(imports.subtracting(declared).sorted()) without declaring them in Package.swift")
            #expect(declared.subtracting(imports).isEmpty,
                    "\(target.name) declares \(declared.subtracting(imports).sorted()) but imports none of them")
        }
    }

    @Test func noTargetDependsOnItsOwnLayerOrAbove() throws {
        let package = try PackageDescriptionText(Self.root)
        let layers = package.layers
        for target in package.targets where !target.isTest {
            let layer = try #require(layers[target.name], "\(target.name) is on no layer of Package.swift's comment")
            for dependency in target.dependencies {
                guard let other = layers[dependency] else {
                    #expect(package.products.contains(dependency), "\(target.name) depends on \(dependency), which is on no layer")
                    continue
                }
                #expect(other < layer, "\(target.name) (layer \(layer)) depends on \(dependency) (layer \(other))")
            }
        }
        let sourceTargets = Set(package.targets.filter { !$0.isTest }.map(\.name))
        #expect(Set(layers.keys) == sourceTargets,
                "the layering comment names \(Set(layers.keys).symmetricDifference(sourceTargets).sorted()) unlike the targets")
    }

    /// The modules the Swift files under `directory` import.
    static func imports(in directory: URL) throws -> Set<String> {
        var modules: Set<String> = []
        guard let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        for case let file as URL in files where file.pathExtension == "swift" {
            var inMultilineString = false
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                // Python embedded in a test's multi-line string imports nothing of ours.
                if line.components(separatedBy: "\"\"\"").count % 2 == 0 { inMultilineString.toggle() }
                if inMultilineString { continue }
                var words = line.split(separator: " ").map(String.init)
                if words.first == "@testable" { words.removeFirst() }
                guard words.count >= 2, words[0] == "import" else { continue }
                let kinds: Set<String> = ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"]
                let path = kinds.contains(words[1]) && words.count >= 3 ? words[2] : words[1]
                // A clang submodule (`_Builtin_intrinsics.intel`) or one declaration belongs to its module.
                modules.insert(String(path.prefix { $0 != "." }))
            }
        }
        return modules
    }
}

/// Package.swift read as text: enough of it for the checks above, with no
/// need to run the manifest.
struct PackageDescriptionText {
    struct Target {
        var kind: String
        var name: String
        var dependencies: [String]
        var path: String

        var isTest: Bool { kind == "testTarget" || path.hasPrefix("Tests/") }
        var module: String { PackageDescriptionText.moduleName(name) }
    }

    var targets: [Target] = []
    /// Products of other packages (`.product(name: ...)`).
    var products: Set<String> = []
    /// Layer number of each target named in the comment at the top.
    var layers: [String: Int] = [:]

    static func moduleName(_ target: String) -> String { target.replacingOccurrences(of: "-", with: "_") }

    init(_ root: URL) throws {
        let text = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        for line in text.split(separator: "\n") where line.hasPrefix("//   ") {
            let entry = line.dropFirst(2).drop { $0 == " " }
            guard let space = entry.firstIndex(of: " "), let layer = Int(entry[..<space]) else { continue }
            let names = entry[entry.index(after: space)...].prefix { $0 != ":" }
            for name in names.split(separator: ",") {
                layers[name.trimmingCharacters(in: .whitespaces)] = layer
            }
        }
        let kinds = ["systemLibrary", "target", "executableTarget", "testTarget"]
        var rest = Substring(text)
        while let start = kinds.compactMap({ rest.range(of: ".\($0)(name: \"") }).min(by: { $0.lowerBound < $1.lowerBound }) {
            let kind = String(rest[rest.index(after: start.lowerBound)...].prefix { $0 != "(" })
            let body = rest[start.upperBound...]
            let name = String(body.prefix { $0 != "\"" })
            let end = Self.closingParenthesis(of: body)
            let arguments = body[..<end]
            var dependencies: [String] = []
            if let list = arguments.range(of: "dependencies: [") {
                let items = arguments[list.upperBound...]
                let inside = items[..<Self.closingBracket(of: items)]
                var scan = inside
                while let quote = scan.firstIndex(of: "\"") {
                    let after = scan[scan.index(after: quote)...]
                    let literal = String(after.prefix { $0 != "\"" })
                    let before = scan[..<quote]
                    if before.hasSuffix(".product(name: ") {
                        dependencies.append(literal)
                        products.insert(literal)
                        // Skip the package name that follows.
                        let close = after.firstIndex(of: ")")!
                        scan = after[after.index(after: close)...]
                        continue
                    }
                    dependencies.append(literal)
                    scan = after[after.index(after: after.firstIndex(of: "\"")!)...]
                }
            }
            var path = (kind == "testTarget" ? "Tests/" : "Sources/") + name
            if let explicit = arguments.range(of: "path: \"") {
                path = String(arguments[explicit.upperBound...].prefix { $0 != "\"" })
            }
            targets.append(Target(kind: kind, name: name, dependencies: dependencies, path: path))
            rest = body[end...]
        }
    }

    /// The index of the `)` that closes the call `text` is inside.
    static func closingParenthesis(of text: Substring) -> Substring.Index { closing(of: text, open: "(", close: ")") }
    static func closingBracket(of text: Substring) -> Substring.Index { closing(of: text, open: "[", close: "]") }

    private static func closing(of text: Substring, open: Character, close: Character) -> Substring.Index {
        var depth = 1
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == open { depth += 1 }
            if text[index] == close {
                depth -= 1
                if depth == 0 { return index }
            }
            index = text.index(after: index)
        }
        return text.endIndex
    }
}
