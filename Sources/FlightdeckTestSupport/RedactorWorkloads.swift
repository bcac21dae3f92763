/// Inputs built to make a careless secret scanner quadratic (~30 KB each): the tests check
/// they are handled, the benchmark measures how fast.
public enum RedactorWorkloads {
    public static let pathological: [String] = pathological(scale: 1)

    /// The same inputs `scale` times as long: how a benchmark tells linear from quadratic.
    public static func pathological(scale: Int) -> [String] {
        [
            String(repeating: "token=", count: 5000 * scale),
            "token=\"" + String(repeating: "token=", count: 5000 * scale),
            String(repeating: "\"password\": \"", count: 2500 * scale),
            String(repeating: "sk-a", count: 8000 * scale),
            String(repeating: "eyJaaaaaaaaaaa.", count: 2000 * scale),
            String(repeating: "a://b:c", count: 4000 * scale),
            String(repeating: "-----BEGIN PRIVATE KEY-----", count: 1000 * scale),
            String(repeating: "Bearer ", count: 4000 * scale),
        ]
    }
}
