# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Every command-line tool answers --help at once: arguments are parsed before torch, mmseg or mmext is imported.

Importing mmext (and with it mmseg, mmpose, mmdet and torch) costs 15-20 s of CPU; torch alone about 4 s. A tool
that prints its usage should cost well under a second, so the limit below (CPU time of the child process, which
machine load does not inflate as it does wall time) fails any tool that imports torch before parsing.
"""

import os
import subprocess
import sys
import threading

import pytest
from conftest import REPO

CPU_LIMIT_S = 3.0
# Not checked here: tools/train.py and tools/test.py build a Runner and import everything for their config
# checks (their --help is tested in test_tools.py).
EXCLUDED = {'tools/train.py', 'tools/test.py'}


def command_line_tools():
    """Python files under tools/ and the projects' scripts that run as programs (``if __name__ == '__main__'``)."""
    found = []
    for pattern in ('tools/*.py', 'tools/*/*.py', 'projects/*/*.py'):
        for path in sorted(REPO.glob(pattern)):
            relative = path.relative_to(REPO).as_posix()
            if relative not in EXCLUDED and "__name__ == '__main__'" in path.read_text():
                found.append(relative)
    return found


TOOLS = command_line_tools()


def test_the_tool_list_covers_the_tools():
    assert len(TOOLS) >= 30
    assert 'tools/analysis_tools/benchmark.py' in TOOLS and 'tools/dataset_converters/ccp.py' in TOOLS
    assert 'projects/speed/run_speed_table.py' in TOOLS and 'tools/misc/synthetic_dresscode.py' not in TOOLS


def run_with_cpu_time(command, tmp_path):
    """(exit status, stdout, stderr, CPU seconds) of one child process: its own resource usage (os.wait4), which
    no other child reaped meanwhile can add to."""
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    with open(tmp_path / 'out', 'w+') as out, open(tmp_path / 'err', 'w+') as err:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=err)
        timer = threading.Timer(120, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return process.returncode, out.read(), err.read(), usage.ru_utime + usage.ru_stime


@pytest.mark.parametrize('tool', TOOLS)
def test_help_is_printed_without_importing_the_heavy_stack(tool, tmp_path):
    status, out, err, cpu = run_with_cpu_time([sys.executable, tool, '--help'], tmp_path)
    assert status == 0, err[-3000:]
    assert 'usage:' in out
    assert cpu < CPU_LIMIT_S, (
        f'{tool} --help took {cpu:.1f} s of CPU: it imports torch / mmseg / mmext before parsing its arguments'
    )


def test_names_the_tools_spell_out_equal_the_package_constants():
    """Tools repeat a few of mmext's names (choices, folder names) so that --help needs no mmext import."""
    import importlib.util

    from mmext.datasets import clothing, depth_maps, dresscode_meta, pose_files
    from mmext.deployment import quantization
    from mmext.engine.hooks import SUMMARY_FILE
    from mmext.models.depth import PROVIDERS
    from mmext.models.pose.blazepose import DEFAULT_VISIBILITY_THRESHOLD
    from mmext.utils.peers import PEER_NAMES

    def load(relative):
        spec = importlib.util.spec_from_file_location(relative.replace('/', '_')[:-3], REPO / relative)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    folders = (
        clothing.LABEL_LIST_FILE,
        clothing.LABELS_DIR,
        clothing.MANIFEST_FILE,
        clothing.PHOTOS_DIR,
        clothing.SPLITS_DIR,
    )
    resize = load('tools/dataset_converters/resize_tree.py')
    assert (
        resize.LABEL_LIST_FILE,
        resize.LABELS_DIR,
        resize.MANIFEST_FILE,
        resize.PHOTOS_DIR,
        resize.SPLITS_DIR,
    ) == folders
    assert (resize.DEPTH_DIR, resize.KEYPOINTS_DIR, resize.SKELETONS_DIR) == (
        depth_maps.DEPTH_DIR,
        pose_files.KEYPOINTS_DIR,
        pose_files.SKELETONS_DIR,
    )
    annotate = load('tools/dataset_converters/annotate_pose.py')
    assert (annotate.LABELS_DIR, annotate.MANIFEST_FILE, annotate.SPLITS_DIR) == (
        clothing.LABELS_DIR,
        clothing.MANIFEST_FILE,
        clothing.SPLITS_DIR,
    )
    assert (annotate.KEYPOINTS_DIR, annotate.SKELETONS_DIR) == (pose_files.KEYPOINTS_DIR, pose_files.SKELETONS_DIR)
    assert annotate.DEFAULT_VISIBILITY_THRESHOLD == DEFAULT_VISIBILITY_THRESHOLD
    depth = load('tools/misc/precompute_depth.py')
    assert depth.PROVIDERS == tuple(sorted(PROVIDERS)) and depth.LAYOUTS == tuple(depth_maps.LAYOUTS)
    assert load('tools/misc/make_synthetic_dresscode.py').CATEGORIES == dresscode_meta.CATEGORIES
    quantize = load('tools/deployment/quantize_onnx.py')
    assert quantize.FORMATS == quantization.FORMATS
    assert quantize.CALIBRATION_METHODS == quantization.CALIBRATION_METHODS
    assert load('tools/analysis_tools/benchmark.py').PEER_NAMES == PEER_NAMES
    assert load('tools/analysis_tools/ablation_table.py').SUMMARY_FILE == SUMMARY_FILE
