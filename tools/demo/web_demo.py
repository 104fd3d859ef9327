#!/usr/bin/env python
# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""A local web page to try a model: upload a photo, see the overlay, per-class areas, keypoints and latency.

Runs a FastAPI app with uvicorn on localhost (nothing leaves the machine). Without CHECKPOINT it uses the
newest checkpoint of a quickstart run (work_dirs/quickstart/*/iter_*.pth); `bash tools/quickstart.sh`
trains one on the CPU in about ten minutes.

Examples:
    python tools/demo/web_demo.py configs/quickstart/topformer_b_dresscode_cpu.py        # quickstart model
    python tools/demo/web_demo.py CONFIG CHECKPOINT --port 8000 --device cuda
    python tools/demo/web_demo.py effnet-lite0-person-256x160                  # a model of model-index.yml
Then open http://127.0.0.1:8000 in a browser.

HTTP API: GET / (the page), GET /api/info (model, classes), POST /api/segment (multipart fields `image` and
optionally `aux=true` to run the landmark and depth heads too) -> JSON with the overlay / mask / depth images
as data URLs, class areas, keypoints, the skeleton drawn (which, how many joints) and latency. A pose-input
model estimates each photo's pose with BlazePose and draws it.
"""

import argparse
import base64
import glob
import os.path as osp
import sys
import threading
import time
from typing import Optional

PAGE = osp.join(osp.dirname(osp.abspath(__file__)), 'web_demo.html')
MODEL_INDEX = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'model-index.yml')
QUICKSTART_DIR = osp.join('work_dirs', 'quickstart')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        'config', help='model config file, or a model name of model-index.yml (python tools/infer.py --list-models)'
    )
    parser.add_argument(
        'checkpoint',
        nargs='?',
        help='checkpoint (default: a named model\'s weights, else the newest quickstart checkpoint)',
    )
    parser.add_argument('--host', default='127.0.0.1', help='interface to listen on (default: localhost only)')
    parser.add_argument('--port', type=int, default=8000)
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda[:N]'")
    parser.add_argument('--opacity', type=float, default=0.5, help='mask opacity in the overlay, 0..1')
    parser.add_argument('--kpt-thr', type=float, default=0.3, help='joints scoring below this are not drawn')
    parser.add_argument(
        '--quickstart-dir', default=QUICKSTART_DIR, help='where to look for a quickstart checkpoint when none is given'
    )
    return parser.parse_args(argv)


def newest_quickstart_checkpoint(quickstart_dir: str) -> Optional[str]:
    candidates = glob.glob(osp.join(quickstart_dir, '*', 'iter_*.pth'))
    return max(candidates, key=osp.getmtime) if candidates else None


def encode_image(image, ext: str = '.png') -> str:
    """BGR image -> data URL."""
    import cv2

    ok, buffer = cv2.imencode(ext, image)
    if not ok:
        raise RuntimeError(f'could not encode an image as {ext}')
    mime = 'image/png' if ext == '.png' else 'image/jpeg'
    return f'data:{mime};base64,' + base64.b64encode(buffer.tobytes()).decode('ascii')


def create_app(
    model,
    opacity: float = 0.5,
    kpt_thr: float = 0.3,
    title: str = 'mmext demo',
    max_bytes: Optional[int] = None,
    max_pixels: Optional[int] = None,
):
    """The FastAPI app serving ``model`` (built by :func:`mmext.apis.init_model`). Uploads beyond ``max_bytes``
    get 413, images beyond ``max_pixels`` (read from the header, before decoding) 400 (defaults:
    :mod:`mmext.utils.image_limits`)."""
    import cv2
    import numpy as np
    from fastapi import FastAPI, File, Form, HTTPException, UploadFile
    from fastapi.responses import HTMLResponse

    from mmext.apis import inference_model, set_aux_predict
    from mmext.utils.image_limits import MAX_PIXELS, MAX_UPLOAD_BYTES, ImageTooLarge, check_image_size

    byte_limit, pixel_limit = max_bytes or MAX_UPLOAD_BYTES, max_pixels or MAX_PIXELS
    from mmext.visualization import colorize_depth, colorize_mask, draw_overlay

    app = FastAPI(title=title)
    lock = threading.Lock()  # one inference at a time: the model is not thread-safe and the CPU is shared
    page = open(PAGE, encoding='utf-8').read()
    meta = model.dataset_meta

    @app.get('/', response_class=HTMLResponse)
    def index() -> str:
        return page

    @app.get('/api/info')
    def info() -> dict:
        return dict(
            title=title,
            classes=list(meta['classes']),
            palette=meta['palette'],
            config=getattr(model, 'demo_config', None),
            checkpoint=getattr(model, 'demo_checkpoint', None),
        )

    @app.post('/api/segment')
    def segment(image: UploadFile = File(...), aux: bool = Form(False)) -> dict:
        raw = image.file.read(byte_limit + 1)
        try:
            check_image_size(raw, max_pixels=pixel_limit, max_bytes=byte_limit)
        except ImageTooLarge as error:
            raise HTTPException(status_code=error.status, detail=f'{image.filename!r}: {error}')
        data = np.frombuffer(raw, np.uint8)
        photo = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        if photo is None:
            raise HTTPException(
                status_code=400, detail=f'{image.filename!r} could not be read as an image (JPEG, PNG, ...)'
            )
        with lock:
            set_aux_predict(model, 'all' if aux else ())
            start = time.perf_counter()
            result = inference_model(model, photo)
            latency_ms = (time.perf_counter() - start) * 1000
        skeleton, source = (
            (result.landmarks, 'predicted skeleton')
            if result.landmarks is not None
            else (result.input_pose, 'estimated input pose')
        )
        overlay = draw_overlay(photo, result.seg_map, meta['palette'], opacity, skeleton, kpt_thr)
        response = dict(filename=image.filename, latency_ms=round(latency_ms, 1), **result.to_dict())
        if skeleton is not None:
            response['skeleton'] = dict(
                source=source, joints=len(skeleton), threshold=kpt_thr, drawn=int((skeleton[:, 2] >= kpt_thr).sum())
            )
        response['class_areas'] = [
            dict(name=name, color=meta['palette'][meta['classes'].index(name)], **area)
            for name, area in response['class_areas'].items()
        ]
        response['images'] = dict(
            overlay=encode_image(overlay, '.jpg'), mask=encode_image(colorize_mask(result.seg_map, meta['palette']))
        )
        if result.depth is not None:
            response['images']['depth'] = encode_image(colorize_depth(result.depth))
        return response

    return app


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmext.apis.model_index import resolve_model

    try:
        named = resolve_model(args.config, MODEL_INDEX)
    except (KeyError, FileNotFoundError, ValueError) as e:
        print(f'error: {str(e).strip(chr(34))}', file=sys.stderr)
        return 2
    checkpoint = args.checkpoint
    if named is not None:
        args.config = named.config
        if checkpoint is None:
            if not named.weights or not osp.isfile(named.weights):
                print(f'error: {named.missing_weights_message()}', file=sys.stderr)
                return 2
            checkpoint = named.weights
    if checkpoint is None:
        checkpoint = newest_quickstart_checkpoint(args.quickstart_dir)
        if checkpoint is None:
            print(
                f'error: no CHECKPOINT given and no quickstart checkpoint in {args.quickstart_dir}/*/iter_*.pth.\n'
                '  Train one with `bash tools/quickstart.sh` (synthetic data, CPU, about ten minutes), or pass '
                'the checkpoint of your own run:\n'
                f'  python tools/demo/web_demo.py {args.config} work_dirs/RUN/iter_N.pth',
                file=sys.stderr,
            )
            return 2
        print(f'using the newest quickstart checkpoint: {checkpoint}')
    import uvicorn

    import mmext  # noqa: F401  (registers mmext's modules)
    from mmext.apis import init_model

    model = init_model(args.config, checkpoint, device=args.device)
    model.demo_config, model.demo_checkpoint = args.config, checkpoint
    app = create_app(model, args.opacity, args.kpt_thr, title=osp.splitext(osp.basename(args.config))[0])
    print(f'Serving the demo at http://{args.host}:{args.port} (Ctrl+C to stop)', flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level='warning')
    return 0


if __name__ == '__main__':
    sys.exit(main())
