/** Every Dispatch dashboard, in the order the provisioned folder lists them. */
import { balancerDashboard } from "./balancer-dashboard.ts"
import { fleetDashboard } from "./fleet-dashboard.ts"
import { overviewDashboard } from "./overview-dashboard.ts"
import type { DashboardSpec } from "./panels.ts"
import { runtimeDashboard } from "./runtime-dashboard.ts"

export const DASHBOARDS: ReadonlyArray<DashboardSpec> = [overviewDashboard, balancerDashboard, fleetDashboard, runtimeDashboard]
