// A receiver in Node, as docs/sync.md shows it: verify a dealcoach delivery with the
// `standardwebhooks` library. Usage: node verify_webhook.js SECRET BODY_FILE HEADERS_JSON_FILE
const fs = require("fs");
const { Webhook } = require("standardwebhooks");

const [secret, bodyFile, headersFile] = process.argv.slice(2);
const body = fs.readFileSync(bodyFile, "utf8");
const headers = JSON.parse(fs.readFileSync(headersFile, "utf8"));
const event = new Webhook(secret).verify(body, headers); // throws on a bad or stale signature
process.stdout.write(JSON.stringify({ event: event.event, id: event.id }));
