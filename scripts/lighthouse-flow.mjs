// Lighthouse user flow over a running WebChat (scripts/lighthouse.sh starts one): the lobby, then a group created
// through the page, then the room as a reload shows it (Rejoin), then a snapshot of the room with a message.
// Usage: node scripts/lighthouse-flow.mjs http://localhost:PORT OUTPUT_DIR   (CHROME_PATH names the browser)
import fs from "node:fs";
import path from "node:path";
import puppeteer from "puppeteer-core";
import { startFlow } from "lighthouse";

const [base, outDir] = process.argv.slice(2);
const chrome = process.env.CHROME_PATH ?? "/usr/bin/chromium";
const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run"];

const browser = await puppeteer.launch({ executablePath: chrome, headless: false, args: flags, protocolTimeout: 120_000 });
try {
    const page = await browser.newPage();
    const flow = await startFlow(page, {
        name: "WebChat",
        config: { extends: "lighthouse:default", settings: { onlyCategories: ["performance", "accessibility", "best-practices", "seo"] } },
    });

    await flow.navigate(`${base}/`, { name: "Lobby" });

    // Into a group the way a person gets there.
    const connected = () => page.waitForFunction(() => document.getElementById("connection").textContent === "Connected");
    await connected();
    await page.type("#user-name", "Dana");
    await page.type("#password", "lighthouse");
    await page.click("#create-group");
    await page.waitForSelector("#room:not([hidden]) #members li");

    // The room after a reload: the tab keeps its rejoin token, so / opens straight into the room.
    await flow.navigate(`${base}/`, { name: "Room (reloaded)", flags: { disableStorageReset: true } });
    await connected();
    await page.waitForSelector("#room:not([hidden]) #members li");
    await page.type("#message", "Hello from Lighthouse");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#messages li.message");
    await flow.snapshot({ name: "Room with a message" });

    const result = await flow.createFlowResult();
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "flow.html"), await flow.generateReport());
    fs.writeFileSync(path.join(outDir, "flow.json"), JSON.stringify(result));

    let failed = false;
    for (const step of result.steps) {
        const lhr = step.lhr;
        // A snapshot has no load to time: its performance "score" weighs nothing, so it is not shown or judged.
        const judged = Object.values(lhr.categories).filter(c => !(lhr.gatherMode === "snapshot" && c.id === "performance"));
        const scores = judged.map(c => `${c.title} ${c.score === null ? "n/a" : Math.round(c.score * 100)}`);
        console.log(`${step.name} (${lhr.gatherMode}): ${scores.join(", ")}`);
        for (const category of judged) {
            if (category.score === null || category.score === 1) continue;
            for (const ref of category.auditRefs) {
                const audit = lhr.audits[ref.id];
                if (ref.weight > 0 && audit.score !== null && audit.score < 1)
                    console.log(`    ${category.title}: ${audit.id} ${Math.round(audit.score * 100)} ${audit.displayValue ?? ""} - ${audit.title}`);
            }
        }
        const goal = { accessibility: 1, "best-practices": 1, performance: 0.95 };
        for (const category of judged)
            if (category.id in goal && category.score !== null && category.score < goal[category.id]) failed = true;
    }
    console.log(`benchmark index of this machine: ${result.steps[0].lhr.environment.benchmarkIndex} (a loaded machine scores performance low)`);
    console.log(`report: ${path.join(outDir, "flow.html")}`);
    process.exitCode = failed ? 1 : 0;
} finally {
    await browser.close();
}
