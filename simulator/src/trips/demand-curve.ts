/**
 * How a day's trip requests spread over the local hours: a demand curve of 24 weights, one
 * per local hour, and the exact split of a trip count over a run's hour slots.
 */

/**
 * Default demand curve: requests per local hour 0..23 in the shared real trip data
 * (`sf-cabspotting-2008/trips.csv.gz`: the 404,238 requests of the 23 full local days
 * 2008-05-18 to 2008-06-09, local time UTC-07:00). Only the shape matters: quiet at 03:00-05:00
 * (~1.3% of the day each), a morning rise, a flat day (~4%), an evening peak 18:00-23:00 (~6.4%).
 */
export const DEFAULT_HOURLY_DEMAND: ReadonlyArray<number> = [
  21_840, 18_601, 12_251, 5_406, 5_014, 5_681, 8_299, 11_641, 15_946, 17_253, 16_356, 16_058,
  16_173, 17_134, 16_350, 15_705, 15_593, 18_756, 23_245, 25_796, 25_192, 25_964, 26_061, 23_923
]

/** Default daily volume: the mean of those 23 full days (404,238 / 23), in trips per day. */
export const DEFAULT_TRIPS_PER_DAY = 17_576

/**
 * Trips in each hour slot of a run, for a day of `tripsPerDay` whose hours weigh `demand`
 * (24 weights). `slotHours[k]` is the local hour of slot k. Counts are rounded on the running
 * total, so they sum exactly to the day's volume when the slots cover one whole local day.
 */
export const tripsPerSlot = (
  tripsPerDay: number,
  demand: ReadonlyArray<number>,
  slotHours: ReadonlyArray<number>
): Array<number> => {
  const dayWeight = demand.reduce((sum, w) => sum + w, 0)
  let cumulative = 0
  let assigned = 0
  return slotHours.map((hour) => {
    cumulative += demand[hour]!
    const total = Math.round((tripsPerDay * cumulative) / dayWeight)
    const count = total - assigned
    assigned = total
    return count
  })
}
