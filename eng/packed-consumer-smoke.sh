#!/usr/bin/env bash
# Packs ModelDsl.Runtime and the generator, builds a throwaway console app that consumes the packages from a local
# feed (as a NuGet user would), and runs it: TorchSharp must initialise there too, and a declared model must train.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
feed="$work/feed"
# A version of its own per run: NuGet caches packages by version, so a reused one would be stale.
version="0.0.0-smoke.$(date +%s)"
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
trap 'rm -rf "$work" "$packages/modeldsl.runtime/$version" "$packages/modeldsl.generators/$version"' EXIT
dotnet pack "$root/src/ModelDsl.Runtime" -o "$feed" -p:Version="$version" >/dev/null
dotnet pack "$root/src/ModelDsl.Generators" -o "$feed" -p:Version="$version" >/dev/null

mkdir -p "$work/app"
cat > "$work/app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
cat > "$work/app/app.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings><NoWarn>NU1603</NoWarn></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="ModelDsl.Runtime" Version="$version" />
    <PackageReference Include="ModelDsl.Generators" Version="$version" PrivateAssets="all" />
  </ItemGroup>
</Project>
XML
cp "$root/eng/packed-consumer/Program.cs" "$work/app/Program.cs"
# Hard links instead of copies of the ~1.2 GB of TorchSharp natives, as the repository's own projects do: a CI disk
# must not fill up over a smoke test (MSBuild copies where it cannot link).
dotnet run --project "$work/app" -p:CreateHardLinksForCopyLocalIfPossible=true 2>&1 | tail -n 5
