import FlightdeckCore
import KubeModel
import Testing
@testable import KubeClient

@Suite struct APIErrorTests {
    func response(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(head: HTTPResponseHead(status: status, headers: []), body: Array(body.utf8))
    }

    @Test func successIsNoError() {
        #expect(APIError.from(response(200, "{}"), method: "GET", url: "u") == nil)
        #expect(APIError.from(response(201, "{}"), method: "POST", url: "u") == nil)
    }

    @Test func theApiserversStatusIsTheSentence() throws {
        let body = #"""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"jobs.batch is forbidden: User \"system:serviceaccount:agents:flightdeck\" cannot create resource \"jobs\" in API group \"batch\" in the namespace \"default\"","reason":"Forbidden","details":{"group":"batch","kind":"jobs"},"code":403}
            """#
        let error = try #require(APIError.from(response(403, body), method: "POST", url: "https://k3s:6443/apis/batch/v1/namespaces/default/jobs"))
        #expect(error.code == 403)
        #expect(error.reason == "Forbidden")
        #expect(error.description == #"jobs.batch is forbidden: User "system:serviceaccount:agents:flightdeck" cannot create resource "jobs" in API group "batch" in the namespace "default""#)
    }

    @Test func aForeignErrorPageBecomesAOneLineSentence() throws {
        let html = "<html>\u{1B}]0;owned\u{07}<body>502 Bad Gateway</body></html>\nmore lines\n"
        let error = try #require(APIError.from(response(502, html), method: "GET", url: "https://k3s:6443/version"))
        #expect(error.code == 502)
        #expect(error.reason == "InternalError")
        #expect(error.description.hasPrefix("the server responded with HTTP 502 to GET https://k3s:6443/version: <html>^[]0;owned^G"))
        #expect(!error.description.contains("\n"))
        #expect(!error.description.contains("\u{1B}"))
        let empty = try #require(APIError.from(response(401, ""), method: "GET", url: "u"))
        #expect(empty.reason == "Unauthorized")
        #expect(empty.description == "the server responded with HTTP 401 to GET u")
    }
}

@Suite struct TokenBucketTests {
    @Test func aBurstGoesAtOnceThenTheRateHolds() {
        var bucket = TokenBucket(qps: 5, burst: 10, now: 0)
        let waits = (0..<12).map { _ in bucket.reserve(now: 0) }
        #expect(waits.prefix(10).allSatisfy { $0 == 0 })
        #expect(abs(waits[10] - 0.2) < 1e-9)
        #expect(abs(waits[11] - 0.4) < 1e-9)
    }

    @Test func tokensRefillUpToTheBurstOnly() {
        var bucket = TokenBucket(qps: 5, burst: 10, now: 0)
        for _ in 0..<10 { _ = bucket.reserve(now: 0) }
        #expect(bucket.reserve(now: 1) == 0, "5 tokens back after a second")
        var idle = TokenBucket(qps: 5, burst: 10, now: 0)
        let waits = (0..<11).map { _ in idle.reserve(now: 3600) }
        #expect(waits.prefix(10).allSatisfy { $0 == 0 })
        #expect(waits[10] > 0, "an hour idle still allows only a burst of 10")
    }
}
