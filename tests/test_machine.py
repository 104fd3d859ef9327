# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
import platform

from mmext.utils.machine import cpu_model


def test_cpu_model_reads_the_model_name_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / 'cpuinfo'
    cpuinfo.write_text(
        'processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu\n'
        'processor\t: 1\nmodel name\t: AMD EPYC 7B13\n'
    )
    assert cpu_model(str(cpuinfo)) == 'AMD EPYC 7B13'


def test_cpu_model_falls_back_to_platform_without_a_model_name(tmp_path):
    fallback = platform.processor() or platform.machine()
    assert cpu_model(str(tmp_path / 'absent')) == fallback
    cpuinfo = tmp_path / 'cpuinfo'
    cpuinfo.write_text('processor\t: 0\nHardware\t: BCM2835\n')
    assert cpu_model(str(cpuinfo)) == fallback


def test_provenance_names_the_machine_the_code_and_the_command_line():
    import re

    from conftest import REPO

    from mmext.utils.machine import environment, provenance

    record = provenance(['--out', 'x.json', 3], script=str(REPO / 'tools/analysis_tools/benchmark.py'), repo=str(REPO))
    assert record['command'] == ['tools/analysis_tools/benchmark.py', '--out', 'x.json', '3']
    assert record['machine']['cpu'] and record['machine']['threads'] >= 1 and record['machine']['torch']
    assert re.fullmatch(r'[0-9a-f]{40}', record['code']['commit']) and isinstance(record['code']['dirty'], bool)
    assert environment(threads=3)['threads'] == 3
    outside = provenance(['-h'], script='/elsewhere/tool.py', repo=str(REPO))
    assert outside['command'] == ['/elsewhere/tool.py', '-h']
