/**
 * Preloaded into gateway.bench.ts's load generators (`node --import`): at exit, prints the
 * process's own CPU time as `bench-cpu-ms <user+system>` on stderr, so the bench can say how
 * much of the two cores the load generator itself took (autocannon cannot report it).
 */
process.on("exit", () => {
  const { user, system } = process.cpuUsage()
  process.stderr.write(`bench-cpu-ms ${(user + system) / 1000}\n`)
})
