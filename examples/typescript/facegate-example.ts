// facegate from TypeScript: every type below comes from the API contract (openapi.json)
// through openapi-typescript, so a change to the contract is a compile error here.
//   npx openapi-typescript openapi.json -o examples/typescript/facegate.d.ts
//   npx tsc -p examples/typescript
import type { components, paths } from "./facegate";

type Schemas = components["schemas"];
type Enrolled = Schemas["EnrollmentResult"];
type ApiError = Schemas["ErrorBody"];
type CheckIn =
  paths["/api/v1/employees/search"]["post"]["responses"][200]["content"]["application/json"];
type CheckinQuery = NonNullable<paths["/api/v1/checkins"]["get"]["parameters"]["query"]>;
type CheckinPage = Schemas["CheckinPage"];

export class Facegate {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const headers = new Headers(init.headers);
    headers.set("X-API-Key", this.apiKey);
    const answer = await fetch(this.baseUrl + path, { ...init, headers });
    if (!answer.ok) {
      const { error } = (await answer.json()) as ApiError;
      throw new Error(`${answer.status} ${error.code}: ${error.message}`);
    }
    return answer.status === 204 ? (undefined as T) : ((await answer.json()) as T);
  }

  /** Enroll a photo; the Idempotency-Key makes a retry after a timeout safe. */
  enroll(employeeId: string, name: string, photo: Blob, idempotencyKey = crypto.randomUUID()) {
    const form = new FormData();
    form.append("employee_id", employeeId);
    form.append("employee_name", name);
    form.append("image", photo, "photo.jpg");
    return this.call<Enrolled>("/api/v1/employees/insert", {
      method: "POST",
      headers: { "Idempotency-Key": idempotencyKey },
      body: form,
    });
  }

  /** What a kiosk shows for one camera frame. */
  async checkIn(frame: Blob): Promise<string> {
    const form = new FormData();
    form.append("image", frame, "frame.jpg");
    const result = await this.call<CheckIn>("/api/v1/employees/search", {
      method: "POST",
      body: form,
    });
    // `matched` tells the two answers apart: employee_id exists only on a match,
    // reason only without one.
    return result.matched
      ? `Checked in, ${result.employee_name} (${result.employee_id})`
      : `Not recognised: ${result.reason}`;
  }

  /** Every check-in of one day, page after page ({items, total, limit, offset}). */
  async checkinsOn(day: string): Promise<Schemas["CheckinRow"][]> {
    const rows: Schemas["CheckinRow"][] = [];
    for (let offset = 0; ; ) {
      const query: CheckinQuery = { from: day, to: day, limit: 500, offset };
      const params = new URLSearchParams(
        Object.entries(query).map(([name, value]) => [name, String(value)]),
      );
      const page = await this.call<CheckinPage>(`/api/v1/checkins?${params}`);
      rows.push(...page.items);
      offset = page.offset + page.limit;
      if (offset >= page.total) return rows;
    }
  }

  erase(employeeId: string): Promise<void> {
    return this.call<void>(`/api/v1/employees/${encodeURIComponent(employeeId)}`, {
      method: "DELETE",
    });
  }
}
