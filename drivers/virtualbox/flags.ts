import type {DriverFlag} from '../../src/driver-kit/index.js'

/** Ubuntu 24.04 LTS as Canonical publishes it for VirtualBox and VMware, checked against its SHA256SUMS. */
export const DEFAULT_IMAGE = {
  url: 'https://cloud-images.ubuntu.com/releases/noble/release/ubuntu-24.04-server-cloudimg-amd64.vmdk',
  checksumFile: 'https://cloud-images.ubuntu.com/releases/noble/release/SHA256SUMS',
} as const

export const DEFAULTS = {
  memory: 2048,
  cpus: 2,
  diskSizeMb: 20_000,
  sshUser: 'docker',
  nicType: '82540EM',
  nicPromisc: 'deny',
  uiType: 'headless',
  stopTimeoutSeconds: 60,
} as const

/** Docker Machine's flags that only meant something for boot2docker, and what replaces each. */
export const REFUSED_FLAGS: Readonly<Record<string, string>> = {
  'virtualbox-boot2docker-url': 'boot2docker is gone: berth boots a cloud image; pass it with --virtualbox-image-url (an URL, file:// or a path).',
  'virtualbox-import-boot2docker-vm': 'berth does not copy a boot2docker VM into a new machine: create a new machine (berth boots a cloud image) and move your containers\' data over, or take over a VM Docker Machine made with import docker-machine.',
}

/** Docker Machine's virtualbox flags that still make sense, its environment variables, and the image flags. */
export const FLAGS: readonly DriverFlag[] = [
  {name: 'virtualbox-memory', type: 'integer', env: 'VIRTUALBOX_MEMORY_SIZE', default: DEFAULTS.memory, description: 'Memory of the VM in MB.'},
  {name: 'virtualbox-cpu-count', type: 'integer', env: 'VIRTUALBOX_CPU_COUNT', default: DEFAULTS.cpus, description: 'Number of CPUs (-1: as many as the host has, at most 32).'},
  {name: 'virtualbox-disk-size', type: 'integer', env: 'VIRTUALBOX_DISK_SIZE', default: DEFAULTS.diskSizeMb, description: 'Size of the disk in MB (the image is grown to it).'},
  {name: 'virtualbox-image-url', type: 'string', env: 'VIRTUALBOX_IMAGE_URL', defaultHelp: 'Ubuntu 24.04 LTS\'s VMDK, checked against Canonical\'s SHA256SUMS', description: 'Cloud image with cloud-init to boot: http(s) URL, file:// URL or local path, VMDK, VDI, VHD or raw.'},
  {name: 'virtualbox-image-checksum', type: 'string', env: 'VIRTUALBOX_IMAGE_CHECKSUM', description: 'The image\'s checksum, sha256:HEX or sha512:HEX, or the URL or path of the publisher\'s SHA256SUMS/SHA512SUMS.'},
  {name: 'virtualbox-ssh-user', type: 'string', env: 'VIRTUALBOX_SSH_USER', default: DEFAULTS.sshUser, description: 'User cloud-init makes for berth (passwordless sudo, the machine\'s SSH key).'},
  {name: 'virtualbox-hostonly-cidr', type: 'string', env: 'VIRTUALBOX_HOSTONLY_CIDR', defaultHelp: 'the first free /24 VirtualBox allows', description: 'Host\'s address and prefix of the host-only network, as 192.168.56.1/24.'},
  {name: 'virtualbox-hostonly-nictype', type: 'string', env: 'VIRTUALBOX_HOSTONLY_NIC_TYPE', default: DEFAULTS.nicType, description: 'Adapter type of the host-only NIC (82540EM, 82543GC, 82545EM, Am79C970A, Am79C973, virtio).'},
  {name: 'virtualbox-hostonly-nicpromisc', type: 'string', env: 'VIRTUALBOX_HOSTONLY_NIC_PROMISC', default: DEFAULTS.nicPromisc, description: 'Promiscuous mode of the host-only NIC (deny, allow-vms, allow-all).'},
  {name: 'virtualbox-hostonly-no-dhcp', type: 'boolean', env: 'VIRTUALBOX_HOSTONLY_NO_DHCP', description: 'Make no DHCP server on a host-only network berth makes (machines have fixed addresses either way).'},
  {name: 'virtualbox-nat-nictype', type: 'string', env: 'VIRTUALBOX_NAT_NICTYPE', default: DEFAULTS.nicType, description: 'Adapter type of the NAT NIC.'},
  {name: 'virtualbox-host-dns-resolver', type: 'boolean', env: 'VIRTUALBOX_HOST_DNS_RESOLVER', description: 'Use the host\'s DNS resolver for the NAT NIC.'},
  {name: 'virtualbox-no-dns-proxy', type: 'boolean', env: 'VIRTUALBOX_NO_DNS_PROXY', description: 'Do not proxy DNS requests of the NAT NIC to the host.'},
  {name: 'virtualbox-ui-type', type: 'string', env: 'VIRTUALBOX_UI_TYPE', default: DEFAULTS.uiType, description: 'How the VM starts: headless, gui, sdl or separate.'},
  {name: 'virtualbox-no-share', type: 'boolean', env: 'VIRTUALBOX_NO_SHARE', description: 'Do not share the home folder with the VM.'},
  {name: 'virtualbox-share-folder', type: 'string', env: 'VIRTUALBOX_SHARE_FOLDER', description: 'Folder to share instead of the home folder, as DIR:NAME.'},
  {name: 'virtualbox-no-vtx-check', type: 'boolean', env: 'VIRTUALBOX_NO_VTX_CHECK', description: 'Skip the check that the CPU offers VT-x/AMD-V before creating.'},
  {name: 'virtualbox-stop-timeout', type: 'integer', env: 'VIRTUALBOX_STOP_TIMEOUT', default: DEFAULTS.stopTimeoutSeconds, description: 'Seconds "stop" waits for the guest to shut down after the ACPI power button before it powers the VM off.'},
  ...Object.entries(REFUSED_FLAGS).map(([name, replacement]): DriverFlag => ({name, type: 'string', description: `Refused: ${replacement}`})),
]
