// What reached "AWS": one record per request (no secrets), plus, when asked for, the exact
// output objects so tests can check them against the service models.
export type SandboxService = 'sts' | 'sso-oauth' | 'qbusiness' | 'sso';

export interface RecordedCall {
  service: SandboxService;
  operation: string;
  /** Principal or assumed-role session ARN; 'anonymous' when the signature could not be checked. */
  caller: string;
  /** 'ok' or the error code returned. */
  outcome: 'ok' | string;
  at: number;
  detail?: Record<string, unknown>;
}

export interface CapturedResponse {
  service: SandboxService;
  operation: string;
  status: number;
  /** Error code for failures (the modeled error shape name for JSON protocols). */
  errorCode?: string;
  /** Parsed output members (success) or error members (failure). */
  output: Record<string, unknown>;
}

export interface Recorder {
  calls: RecordedCall[];
  responses: CapturedResponse[];
  record(call: RecordedCall, response: CapturedResponse): void;
  clear(): void;
}

/** A long-running demo must not grow without bound: past this many calls the oldest tenth is dropped. */
export const MAX_RECORDED_CALLS = 100_000;

export function createRecorder(capture: boolean, maxCalls = MAX_RECORDED_CALLS): Recorder {
  const recorder: Recorder = {
    calls: [],
    responses: [],
    record(call, response) {
      if (recorder.calls.length >= maxCalls) recorder.calls.splice(0, Math.ceil(maxCalls / 10));
      recorder.calls.push(call);
      if (capture) recorder.responses.push(response);
    },
    clear() {
      recorder.calls.length = 0;
      recorder.responses.length = 0;
    },
  };
  return recorder;
}
