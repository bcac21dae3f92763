import FlightdeckCore

/// `GET /api/openapi.json`: the OpenAPI 3.0 description of what this server serves — the
/// actions and OpenTelemetry ingest only when they are on, and the bearer token only when
/// one is asked.
public enum ServeOpenAPI {
    public static func document(options: ServeAPI.Options) -> String {
        var paths: [JSONValue.Member] = [
            .init("/api/jobs", ["get": operation(
                "listJobs", "The jobs history keeps, newest first, with tokens and cost.",
                parameters: [
                    query("limit", "At most this many jobs (default 50).", ["type": "integer", "minimum": 1, "maximum": .integer(Int64(ServeAPI.maxJobs))]),
                    query("status", "Only jobs in these states, comma-separated.", ["type": "string", "pattern": .string(statusPattern)]),
                    query("namespace", "Only jobs of this namespace.", ["type": "string"]),
                ],
                ok: ["description": "The jobs.", "content": ["application/json": ["schema": ["type": "array", "items": ref("Job")]]]],
                errors: [400])]),
            .init("/api/jobs/{job}", ["get": operation(
                "getJob", "One job by id or Job name, with tokens and cost.",
                parameters: [jobParameter],
                ok: ["description": "The job.", "content": ["application/json": ["schema": ref("Job")]]],
                errors: [404])]),
            .init("/api/jobs/{job}/trace", ["get": operation(
                "getTrace", "A page of the job's thought trace from history, in sequence order.",
                parameters: [
                    jobParameter,
                    query("after", "Records after this sequence number (default 0: from the first).", sequence),
                    query("limit", "At most this many records (default 500).", ["type": "integer", "minimum": 1, "maximum": .integer(Int64(ServeAPI.maxPage))]),
                ],
                ok: ["description": "The page; `next` is the `after` of the following one, null at the end so far.",
                    "content": ["application/json": ["schema": ref("TracePage")]]],
                errors: [400, 404])]),
            .init("/api/stream/{job}", ["get": operation(
                "streamJob",
                """
                The job's trace as Server-Sent Events, from history and then live. Events: `record` (data: a \
                TraceRecord; id: its sequence number, so a reconnect with Last-Event-ID resumes with no gap and no \
                duplicate), `status` and `phase` (sent first and on each change), and `done` when the job has \
                finished and its trace is quiet, which ends the stream. A comment is sent every 15 s when nothing \
                else was.
                """,
                parameters: [
                    jobParameter,
                    ["name": "Last-Event-ID", "in": "header", "required": false,
                        "description": "The last record's sequence number the client has.",
                        "schema": ["type": "string", "pattern": "^ *[0-9]{0,18} *$"]],
                    query("after", "As Last-Event-ID, for clients that cannot set headers.", sequence),
                ],
                ok: ["description": "The event stream.", "content": ["text/event-stream": ["schema": ["type": "string"]]]],
                errors: [400, 404])]),
            .init("/api/openapi.json", ["get": operation(
                "openAPI", "This document.", parameters: [],
                ok: ["description": "The OpenAPI document.", "content": ["application/json": ["schema": ["type": "object"]]]],
                errors: [])]),
        ]
        if options.actions != nil {
            paths.append(.init("/api/jobs/{job}/cancel", ["post": action(
                "cancelJob", "Ask the agent to stop, then delete its Job after the grace period.",
                body: ["type": "object", "properties": ["grace": ["type": "integer", "minimum": 0, "maximum": 3600]]])]))
            paths.append(.init("/api/jobs/{job}/steer", ["post": action(
                "steerJob", "Pause, resume or instruct the running agent (over NATS).",
                body: ["type": "object", "required": ["command"], "properties": [
                    "command": ["type": "string", "enum": ["pause", "resume", "instruct"]], "text": ["type": "string"],
                ]])]))
            paths.append(.init("/api/jobs/{job}/retry", ["post": action(
                "retryJob", "Start the task again as a new Job restoring the last workspace snapshot.",
                body: ["type": "object", "properties": ["prompt": ["type": "string"]]])]))
        }
        if options.otlp != nil {
            paths.append(.init("/v1/traces", ["post": [
                "operationId": "exportTraces",
                "summary": "OTLP/HTTP trace export (protobuf or JSON, optionally gzip): GenAI and OpenInference spans become trace records of the job named by the resource attribute flightdeck.job_id or k8s.job.name.",
                "requestBody": ["required": true, "content": [
                    "application/x-protobuf": ["schema": ["type": "string", "format": "binary"]],
                    "application/json": ["schema": ["type": "object"]],
                ]],
                "responses": [
                    "200": ["description": "Accepted (partialSuccess names spans that were not).",
                        "content": ["application/x-protobuf": ["schema": ["type": "string", "format": "binary"]],
                            "application/json": ["schema": ["type": "object"]]]],
                    "400": otlpError("The body could not be decoded."),
                    "401": errorResponse("A bearer token is required, or was wrong."),
                    "405": errorResponse("Not a method this path takes."),
                    "413": otlpError("The body is too large."),
                    "415": otlpError("Not protobuf or JSON, or an unknown Content-Encoding."),
                    "503": otlpError("History could not take the spans now; the exporter may retry."),
                ],
            ]]))
        }
        var document: JSONValue = [
            "openapi": "3.0.3",
            "info": ["title": "Flightdeck", "version": "1",
                "description": "Jobs, thought traces and live streams of the agents Flightdeck keeps the history of."],
            "paths": .object(paths),
            "components": ["schemas": schemas],
        ]
        if options.token != nil {
            document.updateMember("components") { components in
                components?.setMember("securitySchemes", ["bearer": ["type": "http", "scheme": "bearer"]])
            }
            document.setMember("security", [["bearer": []]])
        }
        return document.serialized
    }

    // MARK: - Pieces

    static let jobParameter: JSONValue = ["name": "job", "in": "path", "required": true,
        "description": "The job's id or its Job's name.", "schema": ["type": "string", "minLength": 1]]

    static func query(_ name: String, _ description: String, _ schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": "query", "required": false, "description": .string(description), "schema": schema]
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    /// A sequence number: what `after` and `Last-Event-ID` take.
    static let sequence: JSONValue = ["type": "integer", "minimum": 0, "maximum": .integer(Int64.max)]

    static let statusPattern: String = {
        let one = "(" + JobStatus.allCases.map(\.rawValue).joined(separator: "|") + ")"
        return "^\(one)(,\(one))*$"
    }()

    /// What the OTLP route answers with on failure: OTLP's own `google.rpc.Status` (code,
    /// message) from the intake, or the server's `Error` for what it refuses before it.
    static func otlpError(_ description: String) -> JSONValue {
        ["description": .string(description), "content": [
            "application/json": ["schema": ["anyOf": [ref("Error"), ref("RPCStatus")]]],
            "application/x-protobuf": ["schema": ["type": "string", "format": "binary"]],
        ]]
    }

    static func errorResponse(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": ref("Error")]]]
    }

    static let errorDescriptions: [Int: String] = [
        400: "A parameter is not understood.", 401: "A bearer token is required, or was wrong.",
        403: "This identity may not take the action (RBAC), or it is unavailable.", 404: "No such job.",
        405: "Not a method this path takes.", 409: "The cluster refused the action.", 502: "The cluster could not be reached.",
        503: "History could not be read.",
    ]

    static func operation(_ id: String, _ summary: String, parameters: [JSONValue], ok: JSONValue, errors: [Int])
        -> JSONValue
    {
        var responses: [JSONValue.Member] = [.init("200", ok)]
        for code in Set(errors + [401, 405, 503]).sorted() {
            responses.append(.init(String(code), errorResponse(errorDescriptions[code] ?? "An error.")))
        }
        return ["operationId": .string(id), "summary": .string(summary), "parameters": .array(parameters),
            "responses": .object(responses)]
    }

    static func action(_ id: String, _ summary: String, body: JSONValue) -> JSONValue {
        var responses: [JSONValue.Member] = [.init("200", ["description": "Done.", "content": ["application/json": [
            "schema": ["type": "object", "required": ["message"], "properties": ["message": ["type": "string"]]],
        ]]])]
        for code in [400, 401, 403, 404, 405, 409, 502] {
            responses.append(.init(String(code), errorResponse(errorDescriptions[code] ?? "An error.")))
        }
        return ["operationId": .string(id), "summary": .string(summary), "parameters": [jobParameter],
            "requestBody": ["required": false, "content": ["application/json": ["schema": body]]],
            "responses": .object(responses)]
    }

    static let schemas: JSONValue = [
        "Error": ["type": "object", "required": ["error"], "properties": ["error": ["type": "string"]]],
        "RPCStatus": ["type": "object", "properties": ["code": ["type": "integer"], "message": ["type": "string"]]],
        "TokenUsage": ["type": "object", "required": ["inputTokens", "outputTokens"], "properties": [
            "inputTokens": ["type": "integer"], "outputTokens": ["type": "integer"], "model": ["type": "string"],
        ]],
        "TraceRecord": ["type": "object", "required": ["jobID", "seq", "sourceID", "time", "kind", "text", "truncated"],
            "properties": [
                "jobID": ["type": "string"], "seq": ["type": "integer", "minimum": 1], "sourceID": ["type": "string"],
                "time": ["type": "string", "format": "date-time"], "agentSeq": ["type": "integer"],
                "kind": ["type": "string", "enum": .array(TraceKind.allCases.map { .string($0.rawValue) })],
                "phase": ["type": "string"], "text": ["type": "string"], "tool": ["type": "string"],
                "args": ["type": "string", "description": "Tool arguments as compact JSON text."],
                "exitCode": ["type": "integer"], "durationMs": ["type": "integer"], "usage": ref("TokenUsage"),
                "raw": ["type": "string"], "truncated": ["type": "boolean"],
            ]],
        "TracePage": ["type": "object", "required": ["job", "records", "next"], "properties": [
            "job": ["type": "string"], "records": ["type": "array", "items": ref("TraceRecord")],
            "next": ["type": "integer", "nullable": true],
        ]],
        "Job": ["type": "object", "required": ["id", "name", "namespace", "status", "retries", "tokens", "cost", "unpricedModels",
            "overBudget"],
            "properties": [
                "id": ["type": "string"], "uid": ["type": "string"], "name": ["type": "string"],
                "namespace": ["type": "string"], "context": ["type": "string"], "taskUUID": ["type": "string"],
                "taskText": ["type": "string"], "image": ["type": "string"],
                "createdAt": ["type": "string", "format": "date-time"], "startedAt": ["type": "string", "format": "date-time"],
                "finishedAt": ["type": "string", "format": "date-time"], "deletedAt": ["type": "string", "format": "date-time"],
                "status": ["type": "string", "enum": .array(JobStatus.allCases.map { .string($0.rawValue) })],
                "retries": ["type": "integer"], "backoffLimit": ["type": "integer"], "node": ["type": "string"],
                "pvc": ["type": "string"], "pendingReason": ["type": "string"], "phase": ["type": "string"],
                "taskSpec": ["type": "string"], "queue": ["type": "string"],
                "priority": ["type": "string", "enum": .array(TaskPriority.allCases.map { .string($0.rawValue) })],
                "queuePosition": ["type": "integer"],
                "tokens": ["type": "object", "required": ["input", "output"], "properties": [
                    "input": ["type": "integer"], "output": ["type": "integer"],
                    "byModel": ["type": "object", "additionalProperties": ["type": "object", "properties": [
                        "input": ["type": "integer"], "output": ["type": "integer"],
                    ]]],
                ]],
                "cost": ["type": "string", "nullable": true,
                    "description": "Exact decimal; null when a model it used has no price (see unpricedModels)."],
                "pricedCost": ["type": "string"], "unpricedModels": ["type": "array", "items": ["type": "string"]],
                "currency": ["type": "string"],
                "budget": ["type": "object", "description": "The task's token and/or cost budget, when it has one.",
                    "properties": ["tokens": ["type": "integer"], "cost": ["description": "Exact decimal."]]],
                "overBudget": ["type": "boolean"],
            ]],
    ]
}
