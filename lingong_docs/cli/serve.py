"""CLI command ``serve``: the local web page (needs the ``web`` extra)."""

from __future__ import annotations

from pathlib import Path

import click

from lingong_docs import api
from lingong_docs.cli.common import guarded
from lingong_docs.core.errors import ConfigError


@click.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="端口。")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；默认只在本机。其他地址须同时给出 --allow-remote 和 --tokens。")
@click.option("--workspace", type=click.Path(file_okay=False, path_type=Path), default=Path("lingong-web"),
              show_default=True, help="工作目录：申请文件夹、生成的材料包、受理回执、操作记录。")
@click.option("--role", type=click.Choice(["operator", "bureau", "both"]), default="both", show_default=True,
              help="operator：申报单位经办人页面；bureau：区局受理页面；both：两者。")
@click.option("--allow-remote", is_flag=True, help="允许在非本机地址上监听（须同时给出 --tokens）。")
@click.option("--tokens", "tokens_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="访问令牌文件：每行“用户名 令牌 [角色]”（令牌至少24个字符，角色 operator/bureau/operator,bureau，"
                   "默认 operator；文件权限 600）。")
@click.option("--max-upload-mb", type=click.IntRange(1, 4096), default=200, show_default=True,
              help="一次上传的大小上限（MB）。")
@click.option("--ledger", "ledger_path", metavar="文件或URL",
              help="受理台账：SQLite 文件或 postgresql:// 地址（与 intake 相同；默认 LINGONG_LEDGER 或 "
                   "~/.local/share/lingong-docs/intake-ledger.sqlite）。")
@click.option("--key-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="台账密钥文件；不给时读环境变量 LINGONG_LEDGER_KEY；都没有时区局页面只做预审。")
@click.option("--trust", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="受信任的签章证书或根证书（PEM/DER），可多次给出。")
@click.option("--public-name", multiple=True,
              help="浏览器使用的服务器名称（如 lingong.example.gov.cn 或 10.0.0.5:8000），可多次给出；"
                   "其他名称的请求一律拒绝。")
@click.option("--shared", is_flag=True, help="所有用户看到同一份申请列表（默认每个令牌只看到自己的申请）。")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="HTTPS 证书（PEM）；与 --tls-key 一起给出时用 HTTPS。")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="HTTPS 私钥（PEM，文件权限须为 600）。")
@guarded
def serve_command(port: int, host: str, workspace: Path, role: str, allow_remote: bool, tokens_file: Path | None,
                  max_upload_mb: int, ledger_path: str | None, key_file: Path | None, trust: tuple[Path, ...],
                  public_name: tuple[str, ...], shared: bool, tls_cert: Path | None, tls_key: Path | None) -> None:
    """打开本地网页：经办人新建申请、上传表格、查看问题和金额、生成材料包；区局受理核验。

    \b
    默认只在本机（127.0.0.1）监听。让其他电脑访问须同时给出 --allow-remote 和 --tokens，
    每个用户用自己的令牌登录，只看到自己的申请（--shared：共用一份列表），区局页面只对
    令牌文件中给了 bureau 角色的用户开放；操作记录在工作目录的 audit.log（不含个人信息）。
    其他电脑通过网络访问时请用 --tls-cert/--tls-key 启用 HTTPS，并用 --public-name 给出浏览器使用的名称。
    示例：
      lingong-docs serve                              # 然后在浏览器打开 http://127.0.0.1:8000/
      lingong-docs serve --role bureau --port 8100 --key-file 台账密钥
    """
    try:
        import uvicorn

        from lingong_docs.web.app import create_app
    except ImportError as e:
        raise ConfigError.make("serve-missing-extra", name=e.name or "starlette") from None
    from lingong_docs.web.config import ServeConfig, check_bind, check_private_file, load_users

    tokens, roles = load_users(tokens_file) if tokens_file else ({}, {})
    check_bind(host, allow_remote, tokens)
    if (tls_cert is None) != (tls_key is None):
        raise ConfigError.make("serve-tls-incomplete")
    for secret, what in ((key_file, "台账密钥文件"), (tls_key, "HTTPS 私钥文件")):
        if secret is not None:
            check_private_file(secret, what)
    key = api.ledger_key(key_file, required=False) if role != "operator" else None
    config = ServeConfig(workspace=workspace.resolve(), host=host, port=port, role=role, tokens=tokens, roles=roles,
                         max_upload_bytes=max_upload_mb * 1024 * 1024, ledger=api.ledger_location(ledger_path),
                         ledger_key=key, trust=list(trust), public_names=list(public_name),
                         tls=tls_cert is not None, shared=shared)
    app = create_app(config)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"lingong-docs 网页已启动：{config.scheme}://{shown}:{port}/", nl=True)
    click.echo(f"工作目录：{config.workspace}" + ("" if key or role == "operator" else "（未给台账密钥：区局页面只做预审）"))
    click.echo("按 Ctrl-C 停止。")
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, server_header=False,
                timeout_graceful_shutdown=5, ssl_certfile=str(tls_cert) if tls_cert else None,
                ssl_keyfile=str(tls_key) if tls_key else None)

