/** `--name <number>` from the command line, or `fallback` when it is not given (every bench's options). */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
