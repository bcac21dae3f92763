/// Inputs built to make a careless secret scanner quadratic (~30 KB each): the tests check
/// they are handled, the benchmark measures how fast.
public enum RedactorWorkloads {
    public static let pathological: [String] = [
        String(repeating: "token=", count: 5000),
        "token=\"" + String(repeating: "token=", count: 5000),
        String(repeating: "\"password\": \"", count: 2500),
        String(repeating: "sk-a", count: 8000),
        String(repeating: "eyJaaaaaaaaaaa.", count: 2000),
        String(repeating: "a://b:c", count: 4000),
        String(repeating: "-----BEGIN PRIVATE KEY-----", count: 1000),
        String(repeating: "Bearer ", count: 4000),
    ]
}
