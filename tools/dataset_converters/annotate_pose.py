#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""Keypoints and skeleton images for every photo of a data set, from a pose estimator that runs offline.

Writes, per photo, Dress Code-format keypoints (``{"keypoints": [[x, y, score, id], ...]}``: 18 COCO-18
joints in the 384 x 512 frame, missing joints at -1) and an OpenPose-style skeleton image (at the photo's
size), by the path rule of mmext/datasets/pose_files.py:

    converted CCP / People Clothing   photos/0001.jpg        -> keypoints/0001.json, skeletons/0001.jpg
    EasyPortrait                      images/train/x.jpg     -> keypoints/train/x.json, skeletons/train/x.jpg
    any other folder of photos        <src>/a/b.png          -> <out>/keypoints/a/b.json, <out>/skeletons/a/b.jpg

In a converted CCP / People Clothing tree only the photos named in its split lists (splits/*.txt: the
photos with labels that the studies use) are estimated; --all-photos estimates every photo of photos/ (the
public CCP's photos/ also holds about a thousand photos without labels). Existing files are kept (an
interrupted run continues where it stopped) unless --overwrite is given; each file is written atomically.
A photo where no person is found, or that cannot be read, is reported and the exit status is 1; the other
photos are still written. Where the data set has CCP label maps (converted
CCP / People Clothing), the keypoints are checked against them per joint (on person pixels; wrists on an
arm, a hand or a sleeve; ankles on a leg or a shoe; hips near the waist line), with the on-person share of
every joint per bin of the estimator's score (the data behind --visibility-threshold), over the estimated
photos that have a label map (how many is reported). The report is printed and written to
<out>/pose_annotation.json, with the machine, the versions and the code commit.

Examples:
    python tools/dataset_converters/annotate_pose.py --src data/ccp --out data/ccp
    python tools/dataset_converters/annotate_pose.py --src data/EasyPortrait --out data/EasyPortrait
    python tools/dataset_converters/annotate_pose.py --src my_photos/ --out my_pose/
"""

import argparse
import glob
import json
import os
import os.path as osp
import sys
import time
from typing import List, Optional, Set, Tuple

import cv2

# The repository this tool lies in: the code version its result file records.
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# mmext (and torch with it) is imported once the arguments are parsed (--help stays instant). The constants
# below equal mmext's (tests/test_tool_help.py checks): mmext.datasets.clothing.LABELS_DIR / MANIFEST_FILE /
# SPLITS_DIR, mmext.datasets.pose_files.KEYPOINTS_DIR / SKELETONS_DIR,
# mmext.models.pose.blazepose.DEFAULT_VISIBILITY_THRESHOLD.
LABELS_DIR, MANIFEST_FILE, SPLITS_DIR = 'labels', 'conversion.json', 'splits'
KEYPOINTS_DIR, SKELETONS_DIR = 'keypoints', 'skeletons'
DEFAULT_VISIBILITY_THRESHOLD = 0.5

PHOTO_SUFFIXES = ('.jpg', '.jpeg', '.png')
REPORT_FILE = 'pose_annotation.json'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--src', required=True, help='data set root (CCP tree, EasyPortrait) or a folder of photos')
    parser.add_argument('--out', required=True, help='where keypoints/ and skeletons/ go (may equal --src)')
    parser.add_argument(
        '--visibility-threshold',
        type=float,
        default=DEFAULT_VISIBILITY_THRESHOLD,
        help=f'joints under this BlazePose visibility are missing (default: {DEFAULT_VISIBILITY_THRESHOLD})',
    )
    parser.add_argument(
        '--model-complexity',
        type=int,
        default=1,
        choices=[0, 1],
        help='BlazePose lite (0) or full (1, default); both ship in the mediapipe wheel',
    )
    parser.add_argument('--overwrite', action='store_true', help='re-estimate photos whose files exist')
    parser.add_argument(
        '--all-photos',
        action='store_true',
        help='a tree with split lists (splits/*.txt): estimate every photo of photos/, not only the listed ones',
    )
    args = parser.parse_args(argv)
    if not osp.isdir(args.src):
        parser.error(f'--src {args.src} is not a folder')
    if not 0 <= args.visibility_threshold <= 1:
        parser.error('--visibility-threshold must lie in [0, 1]')
    return args


def listed_stems(src: str) -> Optional[Set[str]]:
    """The stems named in ``<src>/splits/*.txt`` (every split and fold), or None when there are no split lists."""
    lists = sorted(glob.glob(osp.join(src, SPLITS_DIR, '*.txt')))
    if not lists:
        return None
    stems = set()
    for path in lists:
        with open(path) as f:
            stems.update(line.strip() for line in f if line.strip())
    return stems


def discover(src: str, out: str) -> Tuple[str, List[Tuple[str, str, str]], Optional[str]]:
    """(layout name, [(photo, keypoints path, skeleton path)], CCP label folder or None)."""
    from mmext.datasets.depth_maps import LAYOUTS, detect_layout, find_photos
    from mmext.datasets.pose_files import keypoints_path_for, skeleton_path_for

    try:
        layout = detect_layout(src)
    except FileNotFoundError:
        layout = None
    if layout in ('ccp', 'easyportrait', 'people_clothing', 'folder'):
        img_dir = LAYOUTS[layout].img_dir
        photos = find_photos(src, layout)
        jobs = [(p, keypoints_path_for(p, src, img_dir), skeleton_path_for(p, src, img_dir)) for p in photos]
        if osp.abspath(out) != osp.abspath(src):
            jobs = [(p, osp.join(out, osp.relpath(k, src)), osp.join(out, osp.relpath(s, src))) for p, k, s in jobs]
        labels = osp.join(src, LABELS_DIR) if layout == 'ccp' and osp.isfile(osp.join(src, MANIFEST_FILE)) else None
        return layout, jobs, labels
    photos = sorted(
        p
        for p in glob.glob(osp.join(src, '**', '*'), recursive=True)
        if p.lower().endswith(PHOTO_SUFFIXES) and not _inside(p, out)
    )
    jobs = []
    for photo in photos:
        stem = osp.splitext(osp.relpath(photo, src))[0]
        jobs.append((photo, osp.join(out, KEYPOINTS_DIR, stem + '.json'), osp.join(out, SKELETONS_DIR, stem + '.jpg')))
    return 'image folder', jobs, None


def _inside(path: str, out: str) -> bool:
    """Skip our own output (skeleton images) when --out lies inside --src."""
    relative = osp.relpath(path, out)
    return not relative.startswith('..') and relative.split(os.sep)[0] in (KEYPOINTS_DIR, SKELETONS_DIR)


def main(argv=None) -> int:
    args = parse_args(argv)
    import mmext  # noqa: F401  (registers the pose providers)
    from mmext.datasets.pose_files import dresscode_keypoints_json
    from mmext.datasets.pose_label_checks import PoseLabelAgreement, VisibilityCalibration
    from mmext.datasets.pose_rendering import draw_openpose_skeleton
    from mmext.models.pose.blazepose import BlazePose, coco18_from_landmarks
    from mmext.utils.atomic_io import atomic_write, atomic_write_image
    from mmext.utils.progress import progress
    from mmext.utils.run_records import provenance

    layout, jobs, label_dir = discover(args.src, args.out)
    if not jobs:
        print(f'No photos ({", ".join(PHOTO_SUFFIXES)}) under {args.src}', file=sys.stderr)
        return 1
    in_folder = len(jobs)
    stems = None if args.all_photos or layout != 'ccp' else listed_stems(args.src)
    if stems is not None:
        jobs = [job for job in jobs if osp.splitext(osp.basename(job[0]))[0] in stems]
        print(
            f'{len(jobs)} of the {in_folder} photos are named in {osp.join(args.src, SPLITS_DIR)}/*.txt: only '
            'those are estimated (--all-photos: every photo)'
        )
        if not jobs:
            print(f'No photo of {args.src} is named in its split lists', file=sys.stderr)
            return 1
    todo = [job for job in jobs if args.overwrite or not (osp.exists(job[1]) and osp.exists(job[2]))]
    print(
        f'{len(jobs)} photos ({layout}) under {args.src}: {len(jobs) - len(todo)} already annotated, '
        f'{len(todo)} to estimate with BlazePose (model_complexity={args.model_complexity}, visibility >= '
        f'{args.visibility_threshold})' + (f'; checking against the labels in {label_dir}' if label_dir else '')
    )

    provider = BlazePose(visibility_threshold=args.visibility_threshold, model_complexity=args.model_complexity)
    agreement, calibration = PoseLabelAgreement(), VisibilityCalibration()
    no_person, unreadable, written, checked = [], [], 0, 0
    start = time.perf_counter()
    for photo, keypoints_file, skeleton_file in progress(todo, unit='img', desc='pose'):
        bgr = cv2.imread(photo, cv2.IMREAD_COLOR)
        if bgr is None:
            unreadable.append(photo)
            continue
        landmarks = provider.landmarks(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        if landmarks is None:
            no_person.append(photo)
            continue
        pose = coco18_from_landmarks(landmarks, bgr.shape[:2], args.visibility_threshold)
        content = dresscode_keypoints_json(pose.keypoints, pose.scores, pose.visible, bgr.shape[:2])
        atomic_write(keypoints_file, json.dumps(content))
        skeleton = draw_openpose_skeleton(bgr.shape[:2], pose.keypoints, pose.visible)
        atomic_write_image(skeleton_file, cv2.cvtColor(skeleton, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
        written += 1
        if label_dir:
            labels = cv2.imread(
                osp.join(label_dir, osp.splitext(osp.basename(photo))[0] + '.png'), cv2.IMREAD_UNCHANGED
            )
            if labels is not None and labels.shape == bgr.shape[:2]:
                checked += 1
                agreement.add(labels, pose.keypoints, pose.visible)
                raw = coco18_from_landmarks(landmarks, bgr.shape[:2], 0.0)
                calibration.add(labels, raw.keypoints, raw.scores)
    provider.close()
    elapsed = time.perf_counter() - start

    report = dict(
        src=osp.abspath(args.src),
        layout=layout,
        photos=len(jobs),
        photos_in_folder=in_folder,
        selection='split lists' if stems is not None else 'all photos',
        estimated=written,
        already_annotated=len(jobs) - len(todo),
        no_person=no_person,
        unreadable=unreadable,
        estimator=dict(
            type='BlazePose', model_complexity=args.model_complexity, visibility_threshold=args.visibility_threshold
        ),
        seconds=round(elapsed, 1),
        ms_per_photo=round(1000 * elapsed / max(1, len(todo)), 1),
        **provenance(argv, __file__, repo=REPO),
    )  # machine (CPU, threads, versions), code (commit), command
    if label_dir and checked:
        # Only the photos with a label map of their size: the others cannot be checked.
        report['checked_against_labels'] = dict(
            photos=checked,
            estimated_without_labels=written - checked,
            per_joint=agreement.summary(),
            on_person_by_score=calibration.summary(),
        )
    atomic_write(osp.join(args.out, REPORT_FILE), json.dumps(report, indent=1))
    print_report(report)
    print(
        f'Keypoints in {osp.join(args.out, KEYPOINTS_DIR)}, skeletons in {osp.join(args.out, SKELETONS_DIR)}, '
        f'report in {osp.join(args.out, REPORT_FILE)}'
    )
    for photo in no_person:
        print(f'  no person found: {photo}', file=sys.stderr)
    for photo in unreadable:
        print(f'  unreadable photo: {photo}', file=sys.stderr)
    return 1 if no_person or unreadable else 0


def print_report(report: dict) -> None:
    print(
        f'Estimated {report["estimated"]} photos in {report["seconds"]} s ({report["ms_per_photo"]} ms each); '
        f'no person in {len(report["no_person"])}, unreadable {len(report["unreadable"])}.'
    )
    checked = report.get('checked_against_labels')
    if not checked:
        return
    without = checked.get('estimated_without_labels', 0)
    print(
        f'Agreement with the human labels, over the {checked["photos"]} estimated photos that have a label map'
        + (f' ({without} of the estimated photos have none and are not counted)' if without else '')
        + '; joints within 8 px of the label:'
    )
    print(f'  {"joint":<11} {"visible":>8} {"on person":>10}  other check')
    for name, row in checked['per_joint'].items():
        if name == 'hips_to_waist_line':
            continue
        extra = ''
        for check in ('on_arm_hand_or_sleeve', 'on_leg_or_shoe'):
            if f'{check}_pct' in row:
                extra = f'{check.replace("_", " ")}: {row[f"{check}_pct"]} %'
        print(f'  {name:<11} {row["visible_pct"]:>7} % {row.get("on_person_pct", "-"):>8} %  {extra}')
    hips = checked['per_joint'].get('hips_to_waist_line')
    if hips:
        print(
            f'  hips to the upper/lower garment boundary: median {hips["median_pct_of_person_height"]} % of the '
            f'person height; within 5 %: {hips["within_5pct"]} %, within 10 %: {hips["within_10pct"]} %'
        )
    print(
        '  on-person share of all joints by BlazePose visibility: '
        + ', '.join(
            f'[{b["score_from"]:.1f}, {b["score_to"]:.1f}) {b["on_person_pct"]} % of {b["joints"]}'
            for b in checked['on_person_by_score']
            if b['joints']
        )
    )


if __name__ == '__main__':
    sys.exit(main())
