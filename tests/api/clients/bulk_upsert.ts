// A connector's typed bulk upsert, checked by `tsc --noEmit` against the types that
// openapi-typescript generates from /api/schema/ (tests/api/test_clients.py).
import type { components, paths } from "./dealcoach-api";

type BulkUpsert = paths["/api/v1/opportunities/bulk-upsert/"]["post"];
type BulkRequest = BulkUpsert["requestBody"]["content"]["application/json"];
type BulkResponse = BulkUpsert["responses"][200]["content"]["application/json"];
type Item = components["schemas"]["OpportunityBulkItem"];
type ApiError = components["schemas"]["Error"];

const item: Item = {
  external_id: "crm-42",
  name: "Northwind rollout",
  account_external_id: "crm-account-7",
  amount: "120000.00",
  currency: "EUR",
  roles: [{ stakeholder_external_id: "crm-person-3", role: "economic_buyer", stance: "supporter" }],
};

// The item type is the real one, not `Record<string, never>`: an unknown field is refused.
// @ts-expect-error no_such_field is not a field of OpportunityBulkItem
const misspelt: Item = { external_id: "crm-43", name: "Typo", no_such_field: 1 };

export async function bulkUpsert(baseUrl: string, token: string, body: BulkRequest): Promise<number[]> {
  const response = await fetch(`${baseUrl}/api/v1/opportunities/bulk-upsert/`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}`, "Idempotency-Key": "batch-1" },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const error = (await response.json()) as ApiError;
    throw new Error(`${error.code}: ${error.detail}`);
  }
  const result = (await response.json()) as BulkResponse;
  return result.results.filter((r) => r.result !== "error").map((r) => r.id as number);
}

export const firstBatch: BulkRequest = { items: [item] };
void misspelt;
