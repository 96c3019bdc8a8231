import { BruteForceIndex } from "../../src/index/brute-force-index.ts"
import { driverIndexConformance } from "./driver-index-conformance.ts"

driverIndexConformance("BruteForceIndex", () => new BruteForceIndex())
