/**
 * `_ ts-sensor <file> --net=… --env=…`: a Deno-native sensor's own process (started by looop's
 * sensor runner, never by hand). It loads only the sensor runtime, not the CLI.
 */
import { runTsSensorProcess } from "../sensor/ts.ts";

export function tsSensorCommand(args: string[]): Promise<number> {
  return runTsSensorProcess(args);
}
