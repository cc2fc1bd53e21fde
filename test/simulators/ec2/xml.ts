/** A response member: scalars become text, arrays become <item> lists, objects nested elements; undefined is left out. */
export type XmlValue = string | number | boolean | Date | undefined | readonly XmlValue[] | {readonly [element: string]: XmlValue}

const NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/'

/** `<{Action}Response xmlns=...><requestId>..</requestId>...</{Action}Response>`, EC2's success shape. */
export function successXml(action: string, requestId: string, body: Record<string, XmlValue>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${NAMESPACE}"><requestId>${requestId}</requestId>${members(body)}</${action}Response>`
}

/** EC2's error shape (unlike other AWS query services, not wrapped in ErrorResponse). */
export function errorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
}

function members(body: {readonly [element: string]: XmlValue}): string {
  return Object.entries(body).map(([name, value]) => element(name, value)).join('')
}

function element(name: string, value: XmlValue): string {
  if (value === undefined) return ''
  return `<${name}>${content(value)}</${name}>`
}

function content(value: Exclude<XmlValue, undefined>): string {
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return (value as readonly XmlValue[]).map((item) => element('item', item)).join('')
  if (typeof value === 'object') return members(value as {readonly [element: string]: XmlValue})
  return escape(String(value))
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
