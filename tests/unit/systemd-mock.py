'''python-dbusmock template: a fake systemd manager for libcgfs's systemd backend tests.

It extends dbusmock's own `systemd` template (which only emits JobNew/JobRemoved for
StartTransientUnit, StartUnit and StopUnit) with what the backend calls: transient units that
exist (their cgroup directory made below the `cgroup_root` parameter, with the `files` parameter
as its control files), StopUnit, AttachProcessesToUnit, FreezeUnit/ThawUnit, SetUnitProperties,
the unit properties systemd has, and the failures the tests inject (SetBehaviour).

Parameters (JSON): cgroup_root: the directory of the manager's root cgroup; files: {name:
content} each new unit directory gets; no_freeze, no_attach: leave those methods out.
'''
import os
import shutil

import dbus
from gi.repository import GLib

from dbusmock import MOCK_IFACE, mockobject
from dbusmock.templates.systemd import (  # noqa: F401  (the template's methods are kept)
    BUS_NAME, MAIN_IFACE, MAIN_OBJ, PATH_PREFIX, SYSTEM_BUS, UNIT_IFACE, GetUnit, StartUnit,
    escape_unit_name)
from dbusmock.templates import systemd as upstream

ERR = 'org.freedesktop.systemd1.'
INF = 2**64 - 1

# The cgroup properties systemd shows for a slice or a scope, with its defaults.
DEFAULTS = {
    'MemoryMax': dbus.UInt64(INF), 'MemoryHigh': dbus.UInt64(INF), 'MemoryLow': dbus.UInt64(0),
    'MemoryMin': dbus.UInt64(0), 'MemorySwapMax': dbus.UInt64(INF),
    'CPUWeight': dbus.UInt64(INF), 'CPUShares': dbus.UInt64(INF),
    'CPUQuotaPerSecUSec': dbus.UInt64(INF), 'CPUQuotaPeriodUSec': dbus.UInt64(INF),
    'AllowedCPUs': dbus.Array([], signature='y'),
    'AllowedMemoryNodes': dbus.Array([], signature='y'),
    'TasksMax': dbus.UInt64(INF), 'IOWeight': dbus.UInt64(INF),
    'BlockIOWeight': dbus.UInt64(INF),
    'IODeviceWeight': dbus.Array([], signature='(st)'),
    'IOReadBandwidthMax': dbus.Array([], signature='(st)'),
    'IOWriteBandwidthMax': dbus.Array([], signature='(st)'),
    'IOReadIOPSMax': dbus.Array([], signature='(st)'),
    'IOWriteIOPSMax': dbus.Array([], signature='(st)'),
    'BlockIODeviceWeight': dbus.Array([], signature='(st)'),
    'BlockIOReadBandwidth': dbus.Array([], signature='(st)'),
    'BlockIOWriteBandwidth': dbus.Array([], signature='(st)'),
    'DevicePolicy': 'auto', 'DeviceAllow': dbus.Array([], signature='(ss)'),
    'Delegate': False, 'Slice': '', 'Description': '',
}
LISTS = {k for k, v in DEFAULTS.items() if isinstance(v, dbus.Array) and v.signature != 'y'}


def load(mock, parameters):
    upstream.load(mock, parameters)
    mock.cgroup_root = parameters.get('cgroup_root', '')
    mock.files = parameters.get('files', {})
    mock.behaviour = {}   # method -> what it does instead of succeeding
    mock.refused = set()  # properties SetUnitProperties refuses
    mock.subscribed = 0
    add_unit(mock, '-.slice', '/', {})
    if parameters.get('no_freeze'):
        mock.behaviour['FreezeUnit'] = mock.behaviour['ThawUnit'] = 'unknown-method'
    if parameters.get('no_attach'):
        mock.behaviour['AttachProcessesToUnit'] = 'unknown-method'


def type_iface(name):
    return BUS_NAME + ('.Slice' if name.endswith('.slice') else '.Scope')


def add_unit(mock, name, cgroup, props):
    path = f'{PATH_PREFIX}/unit/{escape_unit_name(name)}'
    mock.units[name] = path
    mock.AddObject(path, UNIT_IFACE, {
        'Id': name, 'Names': [name], 'LoadState': 'loaded', 'ActiveState': 'active',
        'FreezerState': 'running'}, [])
    obj = mockobject.objects[path]
    values = dict(DEFAULTS)
    values['ControlGroup'] = cgroup
    values.update(props)
    obj.AddProperties(type_iface(name), values)
    return obj


def unit_cgroup(name):
    '''systemd's rule: a-b.slice lives in a.slice; the cgroup of a unit in slice S is S's + name.'''
    if name == '-.slice':
        return '/'
    stem = name[:-len('.slice')]
    path, prefix = '', ''
    for part in stem.split('-'):
        path += '/' + prefix + part + '.slice'
        prefix += part + '-'
    return path


def host_dir(mock, cgroup):
    return mock.cgroup_root + ('' if cgroup == '/' else cgroup)


def make_cgroup(mock, cgroup):
    directory = host_dir(mock, cgroup)
    os.mkdir(directory)
    for f, content in mock.files.items():
        with open(os.path.join(directory, f), 'w', encoding='ascii') as out:
            out.write(content)
    return directory


def start_parents(mock, cgroup):
    '''As systemd, a unit's slices are started with it.'''
    parts = cgroup.strip('/').split('/')[:-1]
    for i, part in enumerate(parts):
        if part not in mock.units:
            sub = '/' + '/'.join(parts[:i + 1])
            make_cgroup(mock, sub)
            add_unit(mock, part, sub, {})


def new_job(mock, name, result):
    job_id = mock.next_job_id
    mock.next_job_id += 1
    job_path = f'{PATH_PREFIX}/job/{job_id}'
    if result is not None:
        GLib.idle_add(lambda: mock.EmitSignal(MAIN_IFACE, 'JobRemoved', 'uoss',
                                              [job_id, job_path, name, result]) and False)
    return job_path


def misbehave(mock, method, name):
    '''What SetBehaviour asked @method to do: None to go on, else the job result (or raise).'''
    what = mock.behaviour.get(method)
    if what is None:
        return None
    if what == 'unknown-method':
        raise dbus.exceptions.DBusException(f'Unknown method {method}',
                                            name='org.freedesktop.DBus.Error.UnknownMethod')
    if what == 'exit-in-call':
        os._exit(0)
    if what == 'exit-after-reply':
        GLib.timeout_add(50, lambda: os._exit(0))
        return new_job(mock, name, None)
    if what == 'hang':
        return new_job(mock, name, None)
    if what.startswith('break:'):
        return None  # SetUnitProperties breaks a file after it succeeded
    if what.startswith('error:'):
        raise dbus.exceptions.DBusException(f'{method} refused by the test',
                                            name=what[len('error:'):])
    return new_job(mock, name, what)  # a job result: failed, canceled, timeout, ...


@dbus.service.method(MAIN_IFACE, in_signature='', out_signature='')
def Subscribe(self):
    self.subscribed += 1


@dbus.service.method(MAIN_IFACE, in_signature='ssa(sv)a(sa(sv))', out_signature='o')
def StartTransientUnit(self, name, _mode, properties, _aux):
    name = str(name)
    if name in self.units:
        raise dbus.exceptions.DBusException(f'Unit {name} already exists.',
                                            name=ERR + 'UnitExists')
    props = {str(k): v for k, v in properties}
    if name.endswith('.scope') and not props.get('PIDs'):
        raise dbus.exceptions.DBusException('Scope has no PIDs. Refusing.',
                                            name='org.freedesktop.DBus.Error.InvalidArgs')
    job = misbehave(self, 'StartTransientUnit', name)
    if job is not None:
        return job
    cgroup = unit_cgroup(name) if name.endswith('.slice') else \
        (unit_cgroup(str(props['Slice'])).rstrip('/') + '/' + name)
    start_parents(self, cgroup)
    directory = make_cgroup(self, cgroup)
    with open(os.path.join(directory, 'cgroup.procs'), 'w', encoding='ascii') as out:
        out.write(''.join(f'{p}\n' for p in props.get('PIDs', [])))
    stored = {k: v for k, v in props.items() if k in DEFAULTS}
    add_unit(self, name, cgroup, stored)
    return new_job(self, name, 'done')


@dbus.service.method(MAIN_IFACE, in_signature='ss', out_signature='o')
def StopUnit(self, name, _mode):
    name = str(name)
    if name not in self.units:
        raise dbus.exceptions.DBusException(f'Unit {name} not loaded.', name=ERR + 'NoSuchUnit')
    job = misbehave(self, 'StopUnit', name)
    if job is not None:
        return job
    path = self.units.pop(name)
    cgroup = mockobject.objects[path].props[type_iface(name)]['ControlGroup']
    shutil.rmtree(host_dir(self, cgroup), ignore_errors=True)
    self.RemoveObject(path)
    return new_job(self, name, 'done')


@dbus.service.method(MAIN_IFACE, in_signature='s', out_signature='o')
def GetUnit(self, name):  # noqa: F811  (NoSuchUnit instead of a KeyError)
    name = str(name)
    if name not in self.units:
        raise dbus.exceptions.DBusException(f'Unit {name} not loaded.', name=ERR + 'NoSuchUnit')
    return self.units[name]


def unit_object(mock, name):
    if name not in mock.units:
        raise dbus.exceptions.DBusException(f'Unit {name} not loaded.', name=ERR + 'NoSuchUnit')
    return mockobject.objects[mock.units[name]]


@dbus.service.method(MAIN_IFACE, in_signature='ssau', out_signature='')
def AttachProcessesToUnit(self, name, subcgroup, pids):
    name = str(name)
    misbehave(self, 'AttachProcessesToUnit', name)
    unit = unit_object(self, name)
    if name.endswith('.slice'):
        raise dbus.exceptions.DBusException(f'Unit {name} cannot hold processes',
                                            name='org.freedesktop.DBus.Error.InvalidArgs')
    cgroup = unit.props[type_iface(name)]['ControlGroup']
    with open(os.path.join(host_dir(self, cgroup), str(subcgroup), 'cgroup.procs'), 'a',
              encoding='ascii') as out:
        out.write(''.join(f'{p}\n' for p in pids))


def set_frozen(mock, method, name, frozen):
    name = str(name)
    misbehave(mock, method, name)
    unit = unit_object(mock, name)
    cgroup = unit.props[type_iface(name)]['ControlGroup']
    directory = host_dir(mock, cgroup)
    with open(os.path.join(directory, 'cgroup.freeze'), 'w', encoding='ascii') as out:
        out.write('1\n' if frozen else '0\n')
    with open(os.path.join(directory, 'cgroup.events'), 'w', encoding='ascii') as out:
        out.write(f'populated 1\nfrozen {1 if frozen else 0}\n')
    unit.UpdateProperties(UNIT_IFACE, {'FreezerState': 'frozen' if frozen else 'running'})


@dbus.service.method(MAIN_IFACE, in_signature='s', out_signature='')
def FreezeUnit(self, name):
    set_frozen(self, 'FreezeUnit', name, True)


@dbus.service.method(MAIN_IFACE, in_signature='s', out_signature='')
def ThawUnit(self, name):
    set_frozen(self, 'ThawUnit', name, False)


@dbus.service.method(MAIN_IFACE, in_signature='sba(sv)', out_signature='')
def SetUnitProperties(self, name, _runtime, properties):
    '''As systemd: every property is checked before any is applied; a list property appends,
    and an empty list clears it.'''
    name = str(name)
    misbehave(self, 'SetUnitProperties', name)
    unit = unit_object(self, name)
    for key, _value in properties:
        if str(key) not in DEFAULTS or str(key) in self.refused:
            raise dbus.exceptions.DBusException(
                f'Cannot set property {key}, or unknown property.',
                name='org.freedesktop.DBus.Error.PropertyReadOnly')
    iface = type_iface(name)
    for key, value in properties:
        key = str(key)
        if key in LISTS:
            old = [] if len(value) == 0 else list(unit.props[iface][key])
            value = dbus.Array(old + list(value), signature=DEFAULTS[key].signature)
        unit.UpdateProperties(iface, {key: value})
    what = self.behaviour.get('SetUnitProperties', '')
    if what.startswith('break:'):
        # The kernel will refuse the next write of this file (it is a directory now).
        target = os.path.join(host_dir(self, unit.props[iface]['ControlGroup']),
                              what[len('break:'):])
        os.unlink(target)
        os.mkdir(target)
        self.behaviour.pop('SetUnitProperties')


@dbus.service.method(MOCK_IFACE, in_signature='ss', out_signature='')
def SetBehaviour(self, method, what):
    '''Make @method fail from now on: a job result ("failed", "canceled"), "hang" (no
    JobRemoved), "exit-in-call", "exit-after-reply", "error:NAME", "unknown-method"; "" undoes.'''
    if what:
        self.behaviour[str(method)] = str(what)
    else:
        self.behaviour.pop(str(method), None)


@dbus.service.method(MOCK_IFACE, in_signature='as', out_signature='')
def RefuseProperties(self, names):
    self.refused = {str(n) for n in names}
