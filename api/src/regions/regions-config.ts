/**
 * The known regions: every region a request may name or be routed to, and the only ones a
 * weight or drain may mention. One setting for the gateway (`dispatch api`) and the ops CLI
 * (`dispatch regions`), so both agree on what a valid weights value is: `--regions` or env
 * `DISPATCH_REGIONS`, comma-separated.
 */
import { Result } from "effect"
import { Flag } from "effect/cli"
import { DEFAULT_REGIONS, splitList, stringFlag } from "#engine"
import { RegionValueInvalid } from "./errors.ts"
import { checkRegion, DEFAULT_LIMIT_SCOPE } from "./region-values.ts"

/** `"us-west, us-east"` -> ["us-west", "us-east"]: tokens, no duplicates, at least one. */
export const parseRegionList = (input: string): Result.Result<ReadonlyArray<string>, RegionValueInvalid> => {
  const regions = splitList(input)
  const problems = regions.flatMap((region, i) => {
    const checked = checkRegion(region, regions, `regions[${i}]`)
    if (Result.isFailure(checked)) return checked.failure.problems
    // `limits.default` is the default rate limit's key: a region of that name could not have its own.
    if (region === DEFAULT_LIMIT_SCOPE) return [{ path: `regions[${i}]`, message: `"${DEFAULT_LIMIT_SCOPE}" is reserved (limits.default is the default rate limit)` }]
    return regions.indexOf(region) === i ? [] : [{ path: `regions[${i}]`, message: `"${region}" is listed twice` }]
  })
  if (regions.length === 0) problems.push({ path: "regions", message: "must name at least one region" })
  return problems.length === 0 ? Result.succeed(regions) : Result.fail(new RegionValueInvalid({ subject: "DISPATCH_REGIONS / --regions", problems }))
}

export const regionsFlag = stringFlag("regions", "DISPATCH_REGIONS").pipe(
  Flag.withDefault(DEFAULT_REGIONS.join(",")),
  Flag.mapTryCatch(
    (input) => Result.getOrThrowWith(parseRegionList(input), (e) => e),
    (e) => (e instanceof RegionValueInvalid ? e.message : String(e))
  ),
  Flag.withDescription(
    `every region of the deployment, comma-separated: the targets gateways route to (each engine's --region) and the names weights and drains may use; ` +
      `give every gateway and \`dispatch regions\` the same list (env DISPATCH_REGIONS; default ${DEFAULT_REGIONS.join(",")})`
  )
)
