/** The fair greedy's memory of freed drivers: an order is offered again only near one, or everywhere past the bound. */
import { describe, expect, it } from "vitest"
import { FreedDrivers } from "../../src/pipeline/freed-drivers.ts"

const downtown = { lat: 37.7880, lng: -122.4075 }
const nearby = { lat: 37.7890, lng: -122.4075 } // ~110 m north
const airport = { lat: 37.6213, lng: -122.3790 }

describe("FreedDrivers", () => {
  it("tests pickups against the positions noted since the last take, then forgets them", () => {
    const freed = new FreedDrivers()
    expect(freed.isEmpty).toBe(true)
    freed.note(downtown)
    expect(freed.isEmpty).toBe(false)
    const near = freed.take(500)
    expect([near(nearby), near(airport)]).toEqual([true, false])
    expect(freed.isEmpty).toBe(true)
    expect(freed.take(500)(nearby)).toBe(false)
  })

  it("keeps a copy of the position, not the caller's object", () => {
    const freed = new FreedDrivers()
    const moving = { ...downtown }
    freed.note(moving)
    moving.lat = airport.lat
    moving.lng = airport.lng
    expect(freed.take(500)(nearby)).toBe(true)
  })

  it("past its bound, and when told, offers every order again", () => {
    const freed = new FreedDrivers()
    for (let i = 0; i <= 1_024; i++) freed.note(airport)
    expect(freed.take(500)(downtown)).toBe(true)
    freed.everywhere()
    expect(freed.isEmpty).toBe(false)
    expect(freed.take(1)(downtown)).toBe(true)
  })
})
