// Writes points to Tidemark with the official InfluxDB JavaScript client, as an application would, and prints
// what it sent: the values given to the client (JSON, one object per point, on stdout) — LineProtocolClientIT
// compares the stored rows with them. Usage: node write.mjs <url> <token>. Exit 0 once every write was acknowledged.
import {InfluxDB, Point} from '@influxdata/influxdb-client'

const [url, token] = process.argv.slice(2)
const influx = new InfluxDB({url, token, timeout: 30000})
const options = {maxRetries: 0, batchSize: 100, flushInterval: 0}

const sent = []
function point(measurement, tags, fields, time) {
  const p = new Point(measurement)
  for (const [k, v] of Object.entries(tags)) p.tag(k, v)
  for (const [k, [type, v]] of Object.entries(fields)) {
    if (type === 'float') p.floatField(k, v)
    else if (type === 'int') p.intField(k, v)
    else if (type === 'uint') p.uintField(k, v)
    else if (type === 'bool') p.booleanField(k, v)
    else p.stringField(k, v)
  }
  p.timestamp(time)
  return p
}

// nanoseconds, plain text bodies (below the gzip threshold)
const ns = influx.getWriteApi('any-org', 'any-bucket', 'ns', {...options, gzipThreshold: 1000000})
const nsPoints = [
  [{'host': 'web 1,a=b', 'région': 'Zürich "x"', 'path': 'C:\\temp'},
    {usage: ['float', 0.1], n: ['int', -42], ok: ['bool', true], note: ['string', 'say "hi" \\ back\nslash, a=b']},
    '1735689600123456789'],
  [{'host': 'web-2'}, {usage: ['float', -1.5e300], n: ['uint', '9223372036854775807']}, '-1500000000001'],
  [{'host': 'web-2', 'rack': '7'}, {note: ['string', '😀 日本 \t tab']}, '1735689600000000000'],
]
for (const [tags, fields, time] of nsPoints) {
  ns.writePoint(point('cpu', tags, fields, time))
  sent.push({tags, fields, time, precision: 'ns'})
}
await ns.close()

// seconds, gzip bodies (every body above the threshold)
const s = influx.getWriteApi('any-org', 'any-bucket', 's', {...options, gzipThreshold: 10})
for (let i = 0; i < 250; i++) {
  const tags = {'host': 'gz-' + (i % 5)}
  const fields = {usage: ['float', i / 8], n: ['int', i]}
  const time = String(1735689600 + i)
  s.writePoint(point('cpu', tags, fields, time))
  sent.push({tags, fields, time, precision: 's'})
}
await s.close()

for (const p of sent) console.log(JSON.stringify(p))
