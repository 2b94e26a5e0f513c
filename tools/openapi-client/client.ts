// A small client as a front end would write it, on the types openapi-typescript generates from Guanxi's
// /openapi.json (./generated/api.d.ts, made by ./check). It is only type-checked (tsc --noEmit): every
// call must fit the contract, and the deliberate mistakes at the end must not compile.
import type { components, paths } from "./generated/api";

type Schemas = components["schemas"];
type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;

export type Account = Schemas["Account"];
export type Contact = Schemas["Contact"];
export type Stance = Schemas["Stance"];
export type AccountPage = Json<paths["/v1/accounts"]["get"]["responses"][200]>;
export type ContactPatch = Json<NonNullable<paths["/v1/contacts/{id}"]["patch"]["requestBody"]>>;
export type MemberPatch = Json<NonNullable<
  paths["/v1/opportunities/{opportunity_id}/decision-chain/members/{contact_id}"]["patch"]["requestBody"]>>;
export type Member = Json<paths["/v1/opportunities/{opportunity_id}/decision-chain/members/{contact_id}"]["patch"]["responses"][200]>;
export type Bundle = Json<NonNullable<paths["/v1/import"]["post"]["requestBody"]>>;
export type ImportResult = Json<paths["/v1/import"]["post"]["responses"][200]>;
export type DecisionChain = Json<paths["/v1/opportunities/{id}/decision-chain"]["get"]["responses"][200]>;
export type Problem = Schemas["Problem"];

export class GuanxiClient {
  constructor(private readonly baseUrl: string, private readonly key: string) {}

  private async call<T>(method: string, path: string, body?: unknown, etag?: string): Promise<{ data: T; etag: string | null }> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.key}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (etag) headers["If-Match"] = etag;
    const response = await fetch(this.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) {
      const problem = (await response.json()) as Problem;
      throw new Error(`${problem.status} ${problem.title}: ${problem.detail}`);
    }
    return { data: (await response.json()) as T, etag: response.headers.get("ETag") };
  }

  /** Every account, page by page. */
  async accounts(): Promise<Account[]> {
    const all: Account[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=500&cursor=${encodeURIComponent(cursor)}` : "?limit=500";
      const page: AccountPage = (await this.call<AccountPage>("GET", `/v1/accounts${query}`)).data;
      all.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return all;
  }

  /** Mark a contact as having left, if nobody changed them since we read them. */
  async markLeft(id: string, leftAt: string, etag: string): Promise<Contact> {
    const changes: ContactPatch = { status: "left", left_at: leftAt };
    return (await this.call<Contact>("PATCH", `/v1/contacts/${encodeURIComponent(id)}`, changes, etag)).data;
  }

  async setStance(opportunityId: string, contactId: string, stance: Stance): Promise<Member> {
    const changes: MemberPatch = { stance };
    const path = `/v1/opportunities/${encodeURIComponent(opportunityId)}/decision-chain/members/${encodeURIComponent(contactId)}`;
    return (await this.call<Member>("PATCH", path, changes)).data;
  }

  async importBundle(bundle: Bundle, dryRun = false): Promise<ImportResult> {
    return (await this.call<ImportResult>("POST", `/v1/import?dry_run=${dryRun}`, bundle)).data;
  }

  async supportForUs(opportunityId: string): Promise<number> {
    const chain = (await this.call<DecisionChain>("GET", `/v1/opportunities/${encodeURIComponent(opportunityId)}/decision-chain`)).data;
    return chain.support.us;
  }
}

// What the types promise, used as a front end would.
export function describe(account: Account, contact: Contact): string {
  const version: number = account.version;
  const level: "executive" | "vp" | "director" | "manager" | "staff" | null | undefined = contact.level;
  return `${account.name} v${version}: ${contact.name} (${level ?? "?"}), ${contact.status}`;
}

export const sample: Bundle = {
  accounts: [{ id: "acme", name: "ACME 家具" }],
  contacts: [{ id: "c1", account_id: "acme", name: "王总", level: "executive" }],
  opportunities: [{ id: "o1", account_id: "acme", name: "Renewal 2027", stage: "Closed Won", status: "won" }],
  decision_chain: [{ opportunity_id: "o1", contact_id: "c1", role: "decision_maker", stance: "champion" }],
};

// Mistakes that must not compile: if one does, the contract lost a type.
// @ts-expect-error "enemy" is not a stance
export const notAStance: Stance = "enemy";
// @ts-expect-error a PATCH body has no unknown fields
export const typo: ContactPatch = { nmae: "王总" };
// @ts-expect-error a contact's name cannot be cleared
export const cleared: ContactPatch = { name: null };
// @ts-expect-error an opportunity's status is open, won or lost
export const maybe: Bundle = { opportunities: [{ account_id: "a", name: "n", status: "maybe" }] };
// @ts-expect-error a list answer's items are accounts, not strings
export const names: string[] = ({} as AccountPage).items;
// @ts-expect-error support for us is a number
export const support: string = ({} as DecisionChain).support.us;
