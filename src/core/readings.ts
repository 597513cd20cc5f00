/**
 * A sensor's run → its reading (SPEC §5 step 2). A sensor must print ONE JSON object; anything
 * else becomes an error reading whose signal says so, so a broken sensor is itself news.
 */

export type SensorRun =
  | { kind: "exited"; code: number | null; signal: string | null; stdout: string; stderrTail: string }
  | { kind: "timeout"; timeoutS: number; stderrTail: string }
  | { kind: "overflow"; maxBytes: number; stderrTail: string }
  | { kind: "spawn-error"; message: string; hint?: string }
  /** looop did not run it, or stopped it, for a reason of its own (sandbox, policy, a link, memory) */
  | { kind: "refused"; message: string };

export type Reading = Record<string, unknown>;

export function errorReading(exitCode: number | null, message: string, stderrTail = ""): Reading {
  return { signal: { error: true, exit_code: exitCode }, detail: { message, stderr: stderrTail.slice(-1000) } };
}

export function toReading(run: SensorRun): Reading {
  switch (run.kind) {
    case "spawn-error":
      return errorReading(
        127,
        `could not run the sensor: ${run.message} (${run.hint ?? "is it executable? chmod +x"})`,
      );
    case "refused":
      return errorReading(null, run.message);
    case "timeout":
      return errorReading(124, `timed out after ${run.timeoutS}s and was killed with its children`, run.stderrTail);
    case "overflow":
      return errorReading(
        null,
        `printed more than ${run.maxBytes} bytes (LOOOP_SENSOR_MAX_BYTES) and was killed`,
        run.stderrTail,
      );
    case "exited": {
      if (run.code !== 0) {
        const how = run.signal
          ? `was killed by ${run.signal}`
          : run.code === 126 || run.code === 127
          ? `could not run (exit ${run.code}: not executable or not found; chmod +x it)`
          : `exited ${run.code}`;
        return errorReading(run.code ?? 128, `the sensor ${how}`, run.stderrTail);
      }
      if (run.stdout.trim() === "") {
        return errorReading(0, "printed nothing; a sensor must print one JSON object", run.stderrTail);
      }
      let value: unknown;
      try {
        value = JSON.parse(run.stdout);
      } catch {
        const shown = run.stdout.trim().slice(0, 200);
        return errorReading(0, `did not print one JSON object: ${JSON.stringify(shown)}`, run.stderrTail);
      }
      if (!value || typeof value !== "object" || Array.isArray(value)) {
        return errorReading(0, `printed JSON that is not an object: ${JSON.stringify(value)?.slice(0, 200)}`);
      }
      return value as Reading;
    }
    default: {
      const never: never = run;
      return never;
    }
  }
}
