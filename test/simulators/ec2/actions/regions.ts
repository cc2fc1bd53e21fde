import {REGIONS} from '../catalog.js'
import type {ActionHandler} from '../call.js'
import {Ec2Fault} from '../fault.js'
import {matchesFilters} from '../filters.js'

export const describeRegions: ActionHandler = ({params}) => {
  const names = params.list('RegionName')
  const unknown = names.find((name) => !REGIONS.some((region) => region.name === name))
  if (unknown !== undefined) throw new Ec2Fault('InvalidParameterValue', `Invalid region: ${unknown}`)
  const all = params.bool('AllRegions') === true
  const filters = params.filters()
  const regions = REGIONS
    .filter((region) => (names.length === 0 ? all || region.optIn !== 'not-opted-in' : names.includes(region.name)))
    .filter((region) => matchesFilters(filters, (name) => {
      if (name === 'region-name') return [region.name]
      if (name === 'opt-in-status') return [region.optIn]
      if (name === 'endpoint') return [`ec2.${region.name}.amazonaws.com`]
      return undefined
    }))
  return {regionInfo: regions.map((region) => ({regionName: region.name, regionEndpoint: `ec2.${region.name}.amazonaws.com`, optInStatus: region.optIn}))}
}

export const describeAvailabilityZones: ActionHandler = ({params, region}) => {
  const spec = REGIONS.find((candidate) => candidate.name === region.name)!
  const zones = spec.zones.map((letter, index) => ({name: `${region.name}${letter}`, id: `${region.name.replace(/-/g, '').slice(0, 4)}-az${index + 1}`}))
  const wanted = params.list('ZoneName')
  const unknown = wanted.find((name) => !zones.some((zone) => zone.name === name))
  if (unknown !== undefined) throw new Ec2Fault('InvalidParameterValue', `Invalid availability zone: [${unknown}]`)
  const filters = params.filters()
  return {
    availabilityZoneInfo: zones
      .filter((zone) => wanted.length === 0 || wanted.includes(zone.name))
      .filter((zone) => matchesFilters(filters, (name) => (name === 'zone-name' ? [zone.name] : name === 'state' ? ['available'] : name === 'region-name' ? [region.name] : undefined)))
      .map((zone) => ({zoneName: zone.name, zoneId: zone.id, zoneState: 'available', regionName: region.name, optInStatus: 'opt-in-not-required', zoneType: 'availability-zone', groupName: region.name, networkBorderGroup: region.name})),
  }
}
