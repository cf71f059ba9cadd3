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
  /** Kept only when capturing; never cleared, so a model-fidelity check sees every response. */
  responses: CapturedResponse[];
  record(call: RecordedCall, response: CapturedResponse): void;
  /** Forgets the recorded calls (not the captured responses). */
  clearCalls(): void;
}

/** A long-running demo must not grow without bound: past this many entries the oldest tenth is dropped. */
const MAX_RECORDED = 100_000;

function append<T>(list: T[], item: T): void {
  if (list.length >= MAX_RECORDED) list.splice(0, MAX_RECORDED / 10);
  list.push(item);
}

export function createRecorder(capture: boolean): Recorder {
  const recorder: Recorder = {
    calls: [],
    responses: [],
    record(call, response) {
      append(recorder.calls, call);
      if (capture) append(recorder.responses, response);
    },
    clearCalls() {
      recorder.calls.length = 0;
    },
  };
  return recorder;
}
