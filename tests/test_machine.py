import platform

from mmext.utils.machine import cpu_model


def test_cpu_model_reads_the_model_name_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / 'cpuinfo'
    cpuinfo.write_text('processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu\n'
                       'processor\t: 1\nmodel name\t: AMD EPYC 7B13\n')
    assert cpu_model(str(cpuinfo)) == 'AMD EPYC 7B13'


def test_cpu_model_falls_back_to_platform_without_a_model_name(tmp_path):
    fallback = platform.processor() or platform.machine()
    assert cpu_model(str(tmp_path / 'absent')) == fallback
    cpuinfo = tmp_path / 'cpuinfo'
    cpuinfo.write_text('processor\t: 0\nHardware\t: BCM2835\n')
    assert cpu_model(str(cpuinfo)) == fallback
