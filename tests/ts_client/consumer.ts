// A program an integrator writes in TypeScript against the types openapi-typescript generates from
// /api/schema/ (./api.d.ts, written next to this file by tests/test_api_clients.py), with
// openapi-fetch. `tsc --noEmit` must accept it: each line that fails names what the schema lacks.
import createClient from "openapi-fetch";
import type { paths } from "./api";

type Assert<T extends true> = T;
type Json<R> = R extends { content: { "application/json": infer B } } ? B : never;

const client = createClient<paths>({ baseUrl: "http://127.0.0.1:8000" });

// The measures of a plan for one year as of a date: the parameters docs/api.md names.
type MeasuresQuery = NonNullable<paths["/api/measures/"]["get"]["parameters"]["query"]>;

export async function measuresOfAYear(plan: number) {
  const query: MeasuresQuery = { plan, as_of: "2021-03-31", fiscal_year: "令和2年度", page_size: 100 };
  const { data } = await client.GET("/api/measures/", { params: { query } });
  return data?.results.map((measure) => [measure.title, measure.years.map((year) => year.evaluation)]);
}

// One measure as of a date: its detail reads the same parameters.
export async function measureAsOf(id: number) {
  const { data } = await client.GET("/api/measures/{id}/", {
    params: { path: { id }, query: { as_of: "2021-03-31", fiscal_year: "2020" } },
  });
  return data?.years;
}

// What the roles read on a report: who reported it and, once withdrawn, when, why and by whom.
type Report = Json<paths["/api/progress-reports/{id}/"]["get"]["responses"][200]>;
type StaffField = "author_name" | "withdrawn_on" | "withdrawal_reason" | "withdrawn_by_name";
type StaffReport = Report extends unknown ? (StaffField extends keyof Report ? Report : never) : never;
export type ReportsHaveTheirStaffFields = Assert<[StaffReport] extends [never] ? false : true>;

// The refusals a client shows its user: an unknown id, a bad filter, a write without rights, a stale version.
export type UnknownId = Json<paths["/api/plans/{id}/"]["get"]["responses"][404]>;
export type BadFilter = Json<paths["/api/measures/"]["get"]["responses"][400]>;
export type NoRights = Json<paths["/api/progress-reports/"]["post"]["responses"][403]>;
export type StaleVersion = Json<paths["/api/progress-reports/{id}/withdraw/"]["post"]["responses"][409]>;
export type ChangedMeanwhile = Json<paths["/api/scheduled-items/{id}/"]["patch"]["responses"][409]>;
